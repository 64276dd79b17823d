// REST/JSON through the gateway (DESIGN.md, "REST/JSON through the gateway"):
// a real Envoy, configured by services/gateway, in front of the real
// services, called as curl would call it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { toJson } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-web';
import { openapiDocumentPath } from '@demo/gateway';
import { bearerHeader, bearerHeaders, mintToken, secretKey } from '@demo/platform';
import { envoyStats } from '@demo/testkit/envoy-process';
import { waitFor } from '@demo/testkit/wait';
import { startLocalSystem, type LocalSystem } from '@demo/testkit/local-system';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@demo/testkit/otlp-receiver';
import { getUserHomeMethod, unaryMethod } from '../src/gateway-descriptors.js';

const jwtSecret = 'gateway-test-secret-0123456789abcdef0123456789';
// Short, so that the deadline test ends soon; every other call takes milliseconds.
const routeTimeoutSeconds = 3;
// Short, so that the slow-client test ends soon; every request here is sent at once.
const requestTimeoutSeconds = 2;
// The control room's origin, as make run allows it.
const allowedOrigin = 'http://127.0.0.1:8080';
let receiver: OtlpReceiver;
let system: LocalSystem;
let base: string;
let userToken: string;
let adminToken: string;

before(async () => {
  receiver = await startOtlpReceiver();
  system = await startLocalSystem({
    jwtSecret,
    gateway: { routeTimeoutSeconds, requestTimeoutSeconds, corsOrigins: [allowedOrigin] },
    env: {
      // Every service and the gateway trace to the receiver, sampling as the services do by default.
      all: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
      // The fallback is sent well before the deadline the gateway gave, so that it
      // beats the gateway's own cut at that deadline on a loaded machine too.
      aggregator: { DEADLINE_MARGIN_MS: '250', RECOMMENDATION_TIMEOUT_MS: '10000' },
    },
  });
  assert.ok(system.gateway, 'the gateway started');
  base = `http://${system.gateway.address}`;
  const key = secretKey(jwtSecret);
  userToken = await mintToken({ key, subject: 'gateway-test', role: 'user', ttlSeconds: 600 });
  adminToken = await mintToken({ key, subject: 'gateway-test', role: 'admin', ttlSeconds: 600 });
});

after(async () => {
  await system.stop();
  await receiver.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One REST call as curl makes it: a bearer token, a JSON body when given. */
async function rest(
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const token = options.token === undefined ? userToken : options.token;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? bearerHeaders(token) : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${method} ${path}: ${response.status}, not JSON: ${text}`);
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/**
 * Requests the gateway has sent to the user service so far, from Envoy's own
 * counter: exact, where the service's log lines may still be on their way.
 */
async function userServiceRequests(): Promise<number> {
  const gateway = system.gateway;
  assert.ok(gateway);
  const stats = await envoyStats(gateway.adminAddress, '^cluster\\.user\\.upstream_rq_total$');
  return stats['cluster.user.upstream_rq_total'] ?? 0;
}

/** Calls the gateway has sent to any service so far (Envoy's counters): a call that got there was routed. */
async function upstreamRequests(): Promise<number> {
  const gateway = system.gateway;
  assert.ok(gateway);
  const stats = await envoyStats(
    gateway.adminAddress,
    '^cluster\\.(aggregator|user|recommendation)\\.upstream_rq_total$',
  );
  return Object.values(stats).reduce((sum, count) => sum + count, 0);
}

/** A google.rpc.Status body with the HTTP status DESIGN.md gives its code. */
function assertStatus(answer: Answer, http: number, code: number, what: string): void {
  assert.equal(answer.status, http, `${what}: ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body['code'], code, `${what}: google.rpc.Status code`);
  assert.equal(typeof answer.body['message'], 'string', `${what}: google.rpc.Status message`);
}

let unique = 0;
function person(label: string) {
  unique += 1;
  const tag = `${label}-${process.pid}-${unique}`;
  return { name: `Person ${tag}`, email: `${tag}@example.com` };
}

async function createUser(who = person('user')): Promise<{ id: string; name: string; email: string }> {
  const answer = await rest('POST', '/v1/users', { body: who });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body['user'] as { id: string; name: string; email: string };
}

/** Every route of DESIGN's table, with a request that would succeed given a token. */
const routes: [method: string, path: string, body?: unknown][] = [
  ['GET', '/v1/users/1/home?recommendation_limit=2'],
  ['GET', '/v1/users/1'],
  ['GET', '/v1/users?page_size=2'],
  ['POST', '/v1/users', { name: 'No Token', email: 'no-token@example.com' }],
  ['POST', '/v1/users:batchCreate', [{ name: 'No Token', email: 'no-token@example.com' }]],
  ['GET', '/v1/users:watch?include_existing=true'],
  ['GET', '/v1/users/1/recommendations?limit=2'],
  ['GET', '/v1/fault'],
  ['PUT', '/v1/fault', { fault: {} }],
  ['DELETE', '/v1/fault'],
  ['GET', '/v1/defenses'],
  ['PUT', '/v1/defenses', { defenses: {} }],
];

test('GET /healthz answers without a token', async () => {
  const response = await fetch(`${base}/healthz`);
  assert.equal(response.status, 200);
});

test('every /v1 route refuses a call without a token, or with a forged one, with 401 and a google.rpc.Status', async () => {
  const forged = await mintToken({
    key: secretKey('another-secret-0123456789abcdef0123456789'),
    subject: 'intruder',
    role: 'admin',
    ttlSeconds: 600,
  });
  const before = await userServiceRequests();
  for (const [method, path, body] of routes) {
    assertStatus(await rest(method, path, { token: null, body }), 401, 16, `${method} ${path} without a token`);
    assertStatus(await rest(method, path, { token: forged, body }), 401, 16, `${method} ${path} with a forged token`);
  }
  // The user service checks no token itself: nothing may have reached it.
  assert.equal(await userServiceRequests(), before, 'no call reached the user service');
});

test('users: create, get and list, ids as strings (proto3 JSON int64), paging with page_size and page_token', async () => {
  const ada = await createUser();
  assert.match(ada.id, /^\d+$/, 'an int64 comes out as a string');
  const got = await rest('GET', `/v1/users/${ada.id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(
    { ...(got.body['user'] as object), createTime: undefined },
    { ...ada, status: 'USER_STATUS_ACTIVE', createTime: undefined },
  );
  // A number is accepted for an int64 on the way in, as DESIGN.md says.
  const byNumber = await rest('GET', `/v1/users/${Number(ada.id)}`);
  assert.equal((byNumber.body['user'] as { id: string }).id, ada.id);

  await createUser();
  const first = await rest('GET', '/v1/users?page_size=1');
  assert.equal(first.status, 200);
  assert.equal((first.body['users'] as unknown[]).length, 1);
  assert.equal(typeof first.body['totalCount'], 'number', 'an int32 stays a number');
  const token = first.body['nextPageToken'];
  assert.ok(typeof token === 'string' && token.length > 0, 'a next page token');
  const second = await rest('GET', `/v1/users?page_size=1&page_token=${encodeURIComponent(token)}`);
  assert.equal(second.status, 200);
  assert.notDeepEqual(second.body['users'], first.body['users'], 'the second page is another user');
});

test('CreateUser with a request_id is safe to retry: the same answer, one user', async () => {
  const request = { ...person('retry'), request_id: `retry-${process.pid}` };
  const first = await rest('POST', '/v1/users', { body: request });
  const again = await rest('POST', '/v1/users', { body: request });
  assert.equal(first.status, 200);
  assert.deepEqual(again.body, first.body);
});

test('GetUserHome: the user and its recommendations, with served-by as an HTTP header', async () => {
  const ada = await createUser();
  const home = await rest('GET', `/v1/users/${ada.id}/home?recommendation_limit=2`);
  assert.equal(home.status, 200, JSON.stringify(home.body));
  assert.equal((home.body['user'] as { id: string }).id, ada.id);
  assert.equal((home.body['recommendations'] as unknown[]).length, 2);
  assert.equal(home.body['degraded'], false, 'zero values are printed');
  assert.equal(home.headers.get('served-by'), system.aggregator.address, 'the aggregator named itself');
  const servedBy = home.body['servedBy'] as Record<string, string>;
  assert.equal(servedBy['user'], system.user.address);
});

test('GetRecommendations: as many as the limit, from a named replica', async () => {
  const answer = await rest('GET', '/v1/users/1/recommendations?limit=3');
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal((answer.body['recommendations'] as unknown[]).length, 3);
  const replicas = system.recommendations.map((replica) => replica.address);
  assert.ok(replicas.includes(answer.body['servedBy'] as string));
  assert.ok(replicas.includes(answer.headers.get('served-by') ?? ''));
});

test('faults: anyone may read; a user token may not write (403); an admin sets and clears it on every replica', async () => {
  const read = await rest('GET', '/v1/fault');
  assert.equal(read.status, 200);
  const fault = { fault: { delay: { delayMs: 5, percentage: 10 } } };
  assertStatus(await rest('PUT', '/v1/fault', { body: fault }), 403, 7, 'SetFault with a user token');
  assertStatus(await rest('DELETE', '/v1/fault'), 403, 7, 'ClearFault with a user token');
  const set = await rest('PUT', '/v1/fault', { token: adminToken, body: fault });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual(set.body['fault'], fault.fault);
  assert.deepEqual(
    [...(set.body['appliedTo'] as string[])].sort(),
    system.recommendations.map((replica) => replica.address).sort(),
  );
  const cleared = await rest('DELETE', '/v1/fault', { token: adminToken });
  assert.equal(cleared.status, 200);
  assert.deepEqual((await rest('GET', '/v1/fault')).body['fault'], {});
});

test('defenses: a user reads them; only an admin changes them', async () => {
  const read = await rest('GET', '/v1/defenses');
  assert.equal(read.status, 200);
  const defenses = read.body['defenses'] as Record<string, boolean>;
  assert.equal(defenses['timeouts'], true);
  assertStatus(await rest('PUT', '/v1/defenses', { body: { defenses } }), 403, 7, 'SetDefenses with a user token');
  const set = await rest('PUT', '/v1/defenses', {
    token: adminToken,
    body: { defenses: { ...defenses, retries: false } },
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal((set.body['defenses'] as Record<string, boolean>)['retries'], false);
  const restored = await rest('PUT', '/v1/defenses', { token: adminToken, body: { defenses } });
  assert.deepEqual(restored.body['defenses'], defenses);
});

test("the services' own errors come back as google.rpc.Status with the HTTP status of their code", async () => {
  const taken = await createUser();
  assertStatus(await rest('GET', '/v1/users/999999999'), 404, 5, 'a user that does not exist');
  assertStatus(
    await rest('POST', '/v1/users', { body: { name: 'Someone', email: taken.email } }),
    409,
    6,
    'an email that is taken',
  );
  assertStatus(
    await rest('POST', '/v1/users', { body: { name: 'Someone', email: 'not-an-email' } }),
    400,
    3,
    'a malformed email',
  );
  assertStatus(await rest('GET', '/v1/users?page_size=1000'), 400, 3, 'a page size out of range');
  assertStatus(await rest('GET', '/v1/users/999999999/home'), 404, 5, 'GetUserHome for a missing user');
});

test('every gRPC code of DESIGN.md maps to its HTTP status (a recommendation fault aborting with each)', async () => {
  const table: [name: string, code: number, http: number][] = [
    ['INVALID_ARGUMENT', 3, 400],
    ['DEADLINE_EXCEEDED', 4, 504],
    ['NOT_FOUND', 5, 404],
    ['ALREADY_EXISTS', 6, 409],
    ['PERMISSION_DENIED', 7, 403],
    ['RESOURCE_EXHAUSTED', 8, 429],
    ['INTERNAL', 13, 500],
    ['UNAVAILABLE', 14, 503],
    ['UNAUTHENTICATED', 16, 401],
  ];
  try {
    for (const [name, code, http] of table) {
      const set = await rest('PUT', '/v1/fault', {
        token: adminToken,
        body: { fault: { abort: { grpcCode: code, percentage: 100 } } },
      });
      assert.equal((set.body['appliedTo'] as string[]).length, 2, `the ${name} fault reached both replicas`);
      assertStatus(await rest('GET', '/v1/users/1/recommendations?limit=1'), http, code, name);
    }
  } finally {
    await rest('DELETE', '/v1/fault', { token: adminToken });
  }
});

test('bad input is refused by the gateway with 400 before any service: bad JSON, a wrong type, an unknown query parameter, a malformed id', async () => {
  const before = await userServiceRequests();
  assertStatus(await rest('POST', '/v1/users', { rawBody: '{"name": "Half' }), 400, 3, 'JSON cut short');
  assertStatus(
    await rest('POST', '/v1/users', { body: { name: 5, email: 'x@example.com' } }),
    400,
    3,
    'a number for a string',
  );
  assertStatus(await rest('GET', '/v1/users?page_size=2&colour=blue'), 400, 3, 'an unknown query parameter');
  assertStatus(await rest('GET', '/v1/users/abc'), 400, 3, 'an id that is no number');
  assertStatus(await rest('GET', '/v1/users/%zz'), 400, 3, 'malformed percent-encoding');
  assert.equal(await userServiceRequests(), before, 'none of them reached the user service');
});

test('a path that matches no route is 404, as google.rpc.Status', async () => {
  assertStatus(await rest('GET', '/v1/nothing-here'), 404, 5, 'an unknown path');
  assertStatus(await rest('GET', '/v2/users/1'), 404, 5, 'another version');
});

interface WatchLine {
  user: { id: string; email: string };
}

/**
 * GET /v1/users:watch as a client reads it: one JSON message a line. With
 * resume_after_id the watch sees every user after that one, however soon
 * the next is created; fetch resolves once the first line is on its way.
 */
function openWatch(resumeAfterId: string) {
  const client = new AbortController();
  const responding = fetch(`${base}/v1/users:watch?resume_after_id=${resumeAfterId}`, {
    headers: bearerHeaders(userToken),
    signal: AbortSignal.any([client.signal, AbortSignal.timeout(30_000)]),
  });
  let reader: ReadableStreamDefaultReader<string> | undefined;
  let buffered = '';
  return {
    async nextLine(): Promise<WatchLine> {
      if (!reader) {
        const response = await responding;
        assert.equal(response.status, 200);
        assert.ok(response.body);
        reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      }
      while (!buffered.includes('\n')) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended; it held ${JSON.stringify(buffered)}`);
        buffered += value;
      }
      const line = buffered.slice(0, buffered.indexOf('\n'));
      buffered = buffered.slice(buffered.indexOf('\n') + 1);
      return JSON.parse(line) as WatchLine;
    },
    close: () => client.abort(),
  };
}

test('WatchUsers streams newline-delimited JSON, one line per user as it is created, and ends upstream when the client leaves', async () => {
  const watch = openWatch((await createUser()).id);
  try {
    const first = await createUser();
    assert.equal((await watch.nextLine()).user.id, first.id, 'the first user, as its own line');
    // The second is created only after the first line arrived: each line is flushed as it comes.
    const second = await createUser();
    const line = await watch.nextLine();
    assert.deepEqual([line.user.id, line.user.email], [second.id, second.email]);
  } finally {
    watch.close();
  }
  await waitFor('the user service to see the watch end', () =>
    system.user.logs.some(
      (line) =>
        line['msg'] === 'call finished' &&
        line['method'] === '/demo.user.v1.UserService/WatchUsers' &&
        line['code'] === 'CANCELLED',
    )
      ? true
      : undefined,
  );
});

test('BatchCreateUsers takes a JSON array: every user created, or none when one is invalid', async () => {
  const [a, b] = [person('batch'), person('batch')];
  const created = await rest('POST', '/v1/users:batchCreate', { body: [a, b] });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.equal(created.body['createdCount'], 2);
  assert.deepEqual(
    (created.body['users'] as { email: string }[]).map((user) => user.email),
    [a.email, b.email],
  );

  const valid = person('batch');
  const refused = await rest('POST', '/v1/users:batchCreate', {
    body: [valid, { name: 'Broken', email: 'not-an-email' }],
  });
  assertStatus(refused, 400, 3, 'a batch with one invalid user');
  // All or nothing: the valid one was not created, so its email is still free.
  assert.equal((await rest('POST', '/v1/users', { body: valid })).status, 200);
});

test('a 10 MB body is refused with 413 before it reaches a service, and the gateway keeps serving others', async () => {
  const before = await userServiceRequests();
  const huge = rest('POST', '/v1/users', { body: { name: 'x'.repeat(10 * 1024 * 1024), email: 'huge@example.com' } });
  const meanwhile = await rest('GET', '/v1/users/1');
  assert.equal(meanwhile.status, 200, 'another call is answered meanwhile');
  assertStatus(await huge, 413, 8, 'a 10 MB body');
  assert.equal((await rest('GET', '/v1/users/1')).status, 200, 'and after');
  assert.equal(await userServiceRequests(), before + 2, 'the user service saw the two reads, never the 10 MB body');
});

test('a REST call reaches the aggregator with a deadline: a hung recommendation still answers degraded, by the route timeout or a shorter grpc-timeout; a watch has none', async () => {
  // The aggregator's own recommendation timeout (10 s here) is longer than the
  // route's: only the deadline the gateway passed on can end the hung call in time.
  await rest('PUT', '/v1/fault', {
    token: adminToken,
    body: { fault: { delay: { delayMs: 3_600_000, percentage: 100 } } },
  });
  const user = await createUser();
  // A watch opened now is still streaming after the calls below, which take longer than the route timeout.
  const watch = openWatch(user.id);
  try {
    for (const [what, headers, boundMs] of [
      ['the route timeout', {}, routeTimeoutSeconds * 1000],
      ['a shorter grpc-timeout', { 'grpc-timeout': '1000m' }, 1000],
    ] as const) {
      const started = Date.now();
      const home = await rest('GET', `/v1/users/${user.id}/home`, { headers });
      const took = Date.now() - started;
      assert.equal(home.status, 200, `${what}: ${JSON.stringify(home.body)}`);
      assert.equal(home.body['degraded'], true, `${what}: the fallback answered`);
      assert.ok(took < boundMs, `${what}: answered in ${took} ms, within ${boundMs} ms`);
    }
    const later = await createUser();
    assert.equal((await watch.nextLine()).user.id, later.id, 'the watch outlived the route timeout');
  } finally {
    watch.close();
    await rest('DELETE', '/v1/fault', { token: adminToken });
  }
});

test('oversized headers are answered by the gateway at once, 300 at a time too, none reaches a service, and the gateway keeps serving', async () => {
  const before = await userServiceRequests();
  const oversized = async (what: string, headers: Record<string, string>) => {
    const started = Date.now();
    const response = await fetch(`${base}/v1/users/1`, {
      headers: { ...bearerHeaders(userToken), ...headers },
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { code?: number };
    return { what, status: response.status, code: body.code, ms: Date.now() - started };
  };
  const pad = (bytes: number) => ({ 'x-pad': 'p'.repeat(bytes) });
  const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-entry-${i}`, 'v']));
  const answers = [
    ...(await Promise.all([100 * 1024, 1024 * 1024].map((bytes) => oversized(`${bytes} bytes`, pad(bytes))))),
    await oversized('200 entries', many),
    ...(await Promise.all(Array.from({ length: 300 }, () => oversized('burst of 70 KiB', pad(70 * 1024))))),
  ];
  // 431 Request Header Fields Too Large, Envoy's own answer (max_request_headers_kb, max_headers_count).
  assert.deepEqual(
    answers.filter((answer) => answer.status !== 431 || answer.code !== 8),
    [],
    'every oversized request is refused by the gateway itself, as a google.rpc.Status of RESOURCE_EXHAUSTED',
  );
  console.log(
    `${answers.length} oversized requests: 431, the slowest after ${Math.max(...answers.map((a) => a.ms))} ms`,
  );
  assert.equal(await userServiceRequests(), before, 'none reached the user service');
  const user = await createUser();
  assert.equal((await rest('GET', `/v1/users/${user.id}`)).status, 200);
});

test('GET /openapi.json answers without a token with the committed document, as application/json', async () => {
  const response = await fetch(`${base}/openapi.json`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.equal(await response.text(), readFileSync(openapiDocumentPath, 'utf8'));
});

interface DocumentedOperation {
  parameters?: { name: string; in: string; type?: string; format?: string }[];
}

/**
 * Every operation /openapi.json documents, as a client reading it would call
 * it: a real user's id in the path, a value in every query parameter it
 * names, a JSON body where it takes one (an array for the batch).
 */
async function documentedCalls(): Promise<{ what: string; method: string; path: string; body?: unknown }[]> {
  const document = (await (await fetch(`${base}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, DocumentedOperation>>;
  };
  const user = await createUser();
  // The path's only parameters are user ids; in a query an int64 is a watch's resume_after_id (0: from the start).
  const queryValue = (parameter: { type?: string; format?: string }) =>
    ({ boolean: 'true', integer: '1' })[parameter.type ?? ''] ?? (parameter.format === 'int64' ? '0' : 'x');
  return Object.entries(document.paths).flatMap(([template, operations]) =>
    Object.entries(operations).map(([method, operation]) => {
      const parameters = operation.parameters ?? [];
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
        const parameter = parameters.find((p) => p.name === name && p.in === 'path');
        assert.ok(parameter, `${method} ${template}: {${name}} is documented`);
        return user.id;
      });
      const query = new URLSearchParams(
        parameters.filter((p) => p.in === 'query').map((p): [string, string] => [p.name, queryValue(p)]),
      );
      const hasBody = parameters.some((p) => p.in === 'body');
      return {
        what: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        path: `${path}${query.size > 0 ? `?${query.toString()}` : ''}`,
        ...(hasBody ? { body: template.endsWith(':batchCreate') ? [] : {} } : {}),
      };
    }),
  );
}

test('every path and method /openapi.json documents is routed by the gateway to a service, its query parameters as documented; without a token each is 401', async () => {
  const calls = await documentedCalls();
  assert.equal(calls.length, routes.length, "the document holds DESIGN.md's routes");
  for (const call of calls) {
    assertStatus(
      await rest(call.method, call.path, { token: null, body: call.body }),
      401,
      16,
      `${call.what} without a token`,
    );
    const before = await upstreamRequests();
    // A watch answers its headers and then streams until the client leaves: its status is enough.
    const client = new AbortController();
    const response = await fetch(`${base}${call.path}`, {
      method: call.method,
      headers: {
        ...bearerHeaders(userToken),
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      signal: AbortSignal.any([client.signal, AbortSignal.timeout(15_000)]),
    });
    client.abort();
    // Whatever the service answered (its INVALID_ARGUMENT for an empty body, its
    // PERMISSION_DENIED for a user's write), the gateway sent the call on.
    assert.equal(
      await upstreamRequests(),
      before + 1,
      `${call.what} as ${call.path}: ${response.status}, reached a service`,
    );
    assert.notEqual(response.status, 404, `${call.what}: routed`);
  }
});

/** The user service's own count of calls it has started, from its /metrics: what it saw, whoever sent it. */
async function userServiceCallsSeen(): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${system.user.metricsPort}/metrics`);
  let total = 0;
  for (const match of (await response.text()).matchAll(/^grpc_server_started_total\{[^}]*\} (\d+)/gm)) {
    total += Number(match[1]);
  }
  return total;
}

test('a known path asked with a method it does not take is 405 with Allow, as google.rpc.Status, before any service', async () => {
  const before = await userServiceRequests();
  for (const [method, path, allow] of [
    ['DELETE', '/v1/users/1', 'GET'],
    ['POST', '/v1/users/1/home', 'GET'],
    ['PUT', '/v1/users:watch', 'GET'],
    ['PATCH', '/v1/fault', 'PUT, GET, DELETE'],
  ] as const) {
    const answer = await rest(method, path, { body: {} });
    assertStatus(answer, 405, 12, `${method} ${path}`);
    assert.equal(answer.headers.get('allow'), allow, `${method} ${path}: Allow`);
  }
  // The token is still checked first: a caller without one learns nothing about the routes.
  assertStatus(await rest('DELETE', '/v1/users/1', { token: null }), 401, 16, 'DELETE without a token');
  assert.equal(await userServiceRequests(), before, 'none reached the user service');
});

test('malformed percent-encoding in a path is 400 wherever it stands', async () => {
  assertStatus(await rest('GET', '/v1/users/%zz/home'), 400, 3, '/v1/users/%zz/home');
  assertStatus(await rest('GET', '/v1/users/%4/recommendations'), 400, 3, '/v1/users/%4/recommendations');
});

/**
 * A client that sends its headers and part of a declared body, then nothing:
 * the gateway's answer, as raw HTTP/1.1 text, and when it came.
 */
function slowClient(path: string, partialBody: string): Promise<{ head: string; body: string; ms: number }> {
  const [host, port] = (system.gateway?.address ?? '').split(':') as [string, string];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) });
    let received = '';
    socket.setEncoding('utf8');
    socket.setTimeout(20_000, () => socket.destroy(new Error(`no answer after 20 s: ${JSON.stringify(received)}`)));
    socket.on('connect', () => {
      socket.write(
        [
          `POST ${path} HTTP/1.1`,
          'host: gateway',
          // A raw HTTP/1.1 request, written by hand: its header lines too.
          `authorization: ${bearerHeader(userToken)}`,
          'content-type: application/json',
          'content-length: 100',
          '',
          partialBody,
        ].join('\r\n'),
      );
    });
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      resolve({ head, body, ms: Date.now() - started });
    });
  });
}

test('a client that never finishes its body is answered 408 at the request timeout, reaches no service, and the gateway serves others meanwhile', async () => {
  const [envoyBefore, seenBefore] = [await userServiceRequests(), await userServiceCallsSeen()];
  const slow = Promise.all([
    slowClient('/v1/users', '{"name": "Slow'),
    slowClient('/v1/users:batchCreate', '[{"name": "Slow'),
  ]);
  let servedMeanwhile = 0;
  const deadline = Date.now() + requestTimeoutSeconds * 1000;
  while (Date.now() < deadline - 300) {
    assert.equal((await rest('GET', '/v1/users/1')).status, 200, 'another client is served meanwhile');
    servedMeanwhile += 1;
  }
  for (const answer of await slow) {
    assert.match(answer.head, /^HTTP\/1\.1 408 /, answer.head);
    const status = JSON.parse(answer.body) as { code: number; message: string };
    assert.equal(status.code, 4, 'google.rpc.Status DEADLINE_EXCEEDED');
    assert.ok(answer.ms >= requestTimeoutSeconds * 1000 - 100, `answered after ${answer.ms} ms, at the timeout`);
  }
  assert.ok(servedMeanwhile > 0);
  assert.equal(await userServiceRequests(), envoyBefore + servedMeanwhile, 'the gateway sent only the reads upstream');
  assert.equal(await userServiceCallsSeen(), seenBefore + servedMeanwhile, 'the user service saw only the reads');
});

/**
 * GetUserHome as the descriptor set describes it (the same descriptors the
 * gateway's transcoder reads), called through connect-web's gRPC-Web
 * transport, as a page in a browser calls it.
 */
const getUserHome = getUserHomeMethod();

function grpcWebGetUserHome(request: { userId: bigint; recommendationLimit?: number }, token?: string) {
  const transport = createGrpcWebTransport({ baseUrl: base });
  return transport.unary(getUserHome, undefined, 5000, token ? bearerHeaders(token) : {}, request);
}

test('gRPC-Web: connect-web calls GetUserHome through the gateway port with a token and gets the real answer', async () => {
  const ada = await createUser();
  const answer = await grpcWebGetUserHome({ userId: BigInt(ada.id), recommendationLimit: 2 }, userToken);
  const json = toJson(getUserHome.output, answer.message) as {
    user: { id: string; email: string };
    recommendations: unknown[];
  };
  assert.deepEqual([json.user.id, json.user.email], [ada.id, ada.email]);
  assert.equal(json.recommendations.length, 2);
  assert.equal(answer.header.get('served-by'), system.aggregator.address, 'served-by comes back as a header');
});

test('gRPC-Web: without a token the call fails UNAUTHENTICATED, as a gRPC-Web status', async () => {
  await assert.rejects(grpcWebGetUserHome({ userId: 1n }), (error: unknown) => {
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(error.code, Code.Unauthenticated, error.message);
    return true;
  });
});

/** A browser's CORS preflight for a call with these request headers. */
function preflight(origin: string, path: string, method: string, headers: string) {
  return fetch(`${base}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
    signal: AbortSignal.timeout(5000),
  });
}

test('CORS: a preflight from an allowed origin is answered with the methods and headers gRPC-Web and REST need', async () => {
  const before = await userServiceRequests();
  for (const [path, method, headers] of [
    [
      '/demo.aggregator.v1.AggregatorService/GetUserHome',
      'POST',
      'authorization,content-type,x-grpc-web,x-user-agent,grpc-timeout',
    ],
    ['/v1/users/1/home', 'GET', 'authorization'],
    ['/v1/users', 'POST', 'authorization,content-type'],
  ] as const) {
    const response = await preflight(allowedOrigin, path, method, headers);
    assert.equal(response.status, 200, `${method} ${path}`);
    assert.equal(response.headers.get('access-control-allow-origin'), allowedOrigin);
    assert.match(response.headers.get('access-control-allow-methods') ?? '', new RegExp(method));
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').split(/,\s*/);
    for (const header of headers.split(','))
      assert.ok(allowed.includes(header), `${header} allowed: ${allowed.join(',')}`);
  }
  // The call itself carries the exposed headers, so a page can read a gRPC-Web status and served-by.
  const call = await fetch(`${base}/v1/users/1`, {
    headers: { origin: allowedOrigin, ...bearerHeaders(userToken) },
  });
  assert.equal(call.status, 200);
  assert.equal(call.headers.get('access-control-allow-origin'), allowedOrigin);
  const exposed = (call.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
  for (const header of ['grpc-status', 'grpc-message', 'served-by']) assert.ok(exposed.includes(header), header);
  assert.equal(await userServiceRequests(), before + 1, 'no preflight reached the user service');
});

test('CORS: a preflight from another origin gets no allow-origin, and reaches no service', async () => {
  const before = await userServiceRequests();
  for (const origin of ['http://evil.example', 'http://127.0.0.1:8080.evil.example', 'null']) {
    const response = await preflight(origin, '/v1/users', 'POST', 'authorization,content-type');
    assert.equal(response.headers.get('access-control-allow-origin'), null, `${origin}: no allow-origin`);
    assert.equal(response.status, 200, `${origin}: answered by the gateway itself`);
  }
  const call = await fetch(`${base}/v1/users/1`, {
    headers: { origin: 'http://evil.example', ...bearerHeaders(userToken) },
  });
  assert.equal(call.headers.get('access-control-allow-origin'), null, 'a simple request from it is not shared either');
  assert.equal(await userServiceRequests(), before + 1);
});

/** The spans of one trace, once `count` of them have arrived (Envoy flushes every 5 s, or every 5 spans). */
async function spansOf(match: (span: ReceivedSpan) => boolean, count: number): Promise<ReceivedSpan[]> {
  return waitFor(
    'the trace to arrive',
    () => {
      const root = receiver.spans.find(match);
      const trace = root ? receiver.spans.filter((span) => span.traceId === root.traceId) : [];
      return trace.length >= count ? trace : undefined;
    },
    20_000,
  );
}

function assertGatewayParentsServices(trace: ReceivedSpan[], gateway: ReceivedSpan): void {
  const server = (service: string) => trace.find((span) => span.service === service && span.kind === 2);
  const aggregator = server('aggregator');
  assert.ok(aggregator, `an aggregator span in ${JSON.stringify(trace.map((s) => [s.service, s.name]))}`);
  assert.equal(aggregator.parentSpanId, gateway.spanId, "the aggregator's span is the gateway's child");
  for (const service of ['user', 'recommendation']) {
    const span = server(service);
    assert.ok(span, `a ${service} server span in the same trace`);
    const parent = trace.find((candidate) => candidate.spanId === span.parentSpanId);
    assert.equal(parent?.service, 'aggregator', `${service}'s span hangs under the aggregator's`);
  }
}

test("traces: a REST call's trace starts at the gateway, with the aggregator, user and recommendation spans beneath it", async () => {
  const ada = await createUser();
  const path = `/v1/users/${ada.id}/home`;
  assert.equal((await rest('GET', path)).status, 200);
  const isGateway = (span: ReceivedSpan) =>
    span.service === 'gateway' && String(span.attributes['http.url']).endsWith(path);
  const trace = await spansOf(isGateway, 6);
  const gateway = trace.find(isGateway);
  assert.ok(gateway);
  assert.equal(gateway.parentSpanId, '', 'the gateway span is the root');
  assert.equal(gateway.kind, 2, 'a server span');
  assertGatewayParentsServices(trace, gateway);
});

test("traces: a caller's traceparent is honoured: the gateway's span is its child, in the caller's trace", async () => {
  const ada = await createUser();
  const [traceId, parentId] = [randomBytes(16).toString('hex'), randomBytes(8).toString('hex')];
  const answer = await rest('GET', `/v1/users/${ada.id}/home`, {
    headers: { traceparent: `00-${traceId}-${parentId}-01` },
  });
  assert.equal(answer.status, 200);
  const trace = await spansOf((span) => span.traceId === traceId && span.service === 'gateway', 6);
  const gateway = trace.find((span) => span.service === 'gateway');
  assert.ok(gateway);
  assert.equal(gateway.parentSpanId, parentId, "the gateway's span is the caller's child");
  assertGatewayParentsServices(trace, gateway);
});

/** One counter of the gateway's /metrics, summed over the series whose labels include `labels`. */
async function gatewayMetric(name: string, labels: Record<string, string>): Promise<number> {
  const response = await fetch(`http://${system.gateway?.metricsAddress}/metrics`);
  assert.equal(response.status, 200);
  let total = 0;
  for (const match of (await response.text()).matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)`, 'gm'))) {
    const series = match[1] ?? '';
    if (Object.entries(labels).every(([key, value]) => series.includes(`${key}="${value}"`))) total += Number(match[2]);
  }
  return total;
}

test("metrics: the gateway's calls by HTTP status class on its /metrics listener, and nothing else is reachable there", async () => {
  const byClass = (code: string) =>
    gatewayMetric('envoy_http_downstream_rq_xx', {
      envoy_http_conn_manager_prefix: 'gateway',
      envoy_response_code_class: code,
    });
  const [ok, notFound] = [await byClass('2'), await byClass('4')];
  for (let i = 0; i < 3; i += 1) assert.equal((await rest('GET', '/v1/users/1')).status, 200);
  assert.equal((await rest('GET', '/v1/users/999999999')).status, 404);
  assert.equal(await byClass('2'), ok + 3, '2xx counted');
  assert.equal(await byClass('4'), notFound + 1, '4xx counted');

  const metricsBase = `http://${system.gateway?.metricsAddress}`;
  for (const [method, path] of [
    ['GET', '/stats'],
    ['GET', '/stats/prometheus'],
    ['POST', '/quitquitquit'],
    ['POST', '/metrics/../quitquitquit'],
    ['POST', '/logging?level=trace'],
    ['GET', '/config_dump'],
    ['POST', '/metrics'],
    ['GET', '/v1/users/1'],
  ] as const) {
    const response = await fetch(`${metricsBase}${path}`, { method, signal: AbortSignal.timeout(5000) });
    assert.equal(response.status, 404, `${method} ${path}`);
  }
  assert.equal((await fetch(`${base}/healthz`)).status, 200, 'the gateway still runs');
});

test('gRPC-Web: a service the gateway does not serve (health) is UNIMPLEMENTED, not passed on', async () => {
  const check = unaryMethod('grpc.health.v1.Health', 'check');
  const transport = createGrpcWebTransport({ baseUrl: base });
  await assert.rejects(transport.unary(check, undefined, 5000, bearerHeaders(userToken), {}), (error: unknown) => {
    assert.ok(error instanceof ConnectError, String(error));
    assert.equal(error.code, Code.Unimplemented, error.message);
    return true;
  });
});
