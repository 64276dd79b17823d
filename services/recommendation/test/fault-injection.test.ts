import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import {
  faultClient,
  loadProtos,
  mintToken,
  replicationAtHeader,
  replicationOriginHeader,
  secretKey,
  unaryCall,
  type Fault,
  type Role,
} from '@demo/platform';
import { checkHealth, runCommandSync, startService, type ServiceProcess } from '@demo/testkit/processes';
import { freePort } from '@demo/testkit/ports';
import { waitFor } from '@demo/testkit/wait';
import type { RecommendationServiceClient } from '@demo/platform/generated/demo/recommendation/v1/RecommendationService.js';

const entry = fileURLToPath(new URL('../src/main.js', import.meta.url));
const secret = 'fault-test-secret-0123456789abcdef0123';
const protos = loadProtos();

// Three replicas that know each other by a fixed ipv4: list, as the local
// system does; the third starts only when a test needs a late replica.
let ports: number[];
let peersTarget: string;
let replicas: ServiceProcess[];
const clients: { close(): void }[] = [];

const startReplica = (port: number, name: string) =>
  startService({
    name,
    entry,
    env: { JWT_SECRET: secret, GRPC_PORT: String(port), FAULT_PEERS_TARGET: peersTarget },
  });

before(async () => {
  ports = [await freePort(), await freePort(), await freePort()];
  peersTarget = `ipv4:${ports.map((port) => `127.0.0.1:${port}`).join(',')}`;
  replicas = await Promise.all([startReplica(ports[0] ?? 0, 'replica-a'), startReplica(ports[1] ?? 0, 'replica-b')]);
});

after(async () => {
  for (const client of clients) client.close();
  await Promise.all(replicas.map((replica) => replica.stop()));
});

const tokenOf = (role: Role) => mintToken({ key: secretKey(secret), subject: 'test', role, ttlSeconds: 300 });

/** FaultService at `address` through the platform's faultClient, with a token of `role` (or none). */
async function faults(address: string, role: Role | 'none') {
  const client = faultClient(address, { protos, ...(role === 'none' ? {} : { token: await tokenOf(role) }) });
  clients.push(client);
  return client;
}

async function setFault(address: string, fault: Fault, role: Role | 'none' = 'admin') {
  return { response: await (await faults(address, role)).set(fault) };
}

const getFault = async (address: string) => (await faults(address, 'user')).get();

async function clearFault(address: string, role: Role | 'none' = 'admin') {
  return { response: await (await faults(address, role)).clear() };
}

function recommendationClient(address: string): RecommendationServiceClient {
  const client = new protos.demo.recommendation.v1.RecommendationService(address, grpc.credentials.createInsecure());
  clients.push(client);
  return client;
}

const getRecommendations = (client: RecommendationServiceClient, deadlineMs = 5000) =>
  unaryCall((md, options, callback) => client.getRecommendations({ userId: '1', limit: 3 }, md, options, callback), {
    deadline: new Date(Date.now() + deadlineMs),
  });

test('a fault set through one replica reaches the other within a second, and applied_to names both', async () => {
  const [a, b] = replicas;
  assert.ok(a && b);
  const { response } = await setFault(a.address, { abort: { grpcCode: grpc.status.UNAVAILABLE, percentage: 100 } });
  assert.deepEqual([...response.appliedTo].sort(), [a.address, b.address].sort());
  const seenOnB = await waitFor(
    'the fault on replica B',
    async () => {
      const fault = await getFault(b.address);
      return fault.fault.abort?.percentage === 100 ? fault : undefined;
    },
    1000,
  );
  assert.equal(seenOnB.fault.abort?.grpcCode, grpc.status.UNAVAILABLE);
  assert.equal(seenOnB.replica, b.address);

  // Every RecommendationService call on either replica now fails as injected.
  for (const replica of [a, b]) {
    await assert.rejects(getRecommendations(recommendationClient(replica.address)), {
      code: grpc.status.UNAVAILABLE,
      details: 'fault injected: UNAVAILABLE',
    });
  }

  const cleared = await clearFault(b.address);
  assert.deepEqual([...cleared.response.appliedTo].sort(), [a.address, b.address].sort());
  await waitFor(
    'replica A to be healthy again',
    async () => {
      const fault = await getFault(a.address);
      return !fault.fault.abort && !fault.fault.delay ? true : undefined;
    },
    1000,
  );
  await getRecommendations(recommendationClient(a.address));
});

test('health, reflection and FaultService itself are never faulted', async () => {
  const [a] = replicas;
  assert.ok(a);
  await setFault(a.address, { abort: { grpcCode: grpc.status.INTERNAL, percentage: 100 } });
  try {
    assert.equal(await checkHealth(a.address), 'SERVING');
    assert.equal((await getFault(a.address)).fault.abort?.grpcCode, grpc.status.INTERNAL);
  } finally {
    await clearFault(a.address);
  }
});

test('a delay holds a call for its time, and a hang ends when the caller’s deadline passes', async () => {
  const [a] = replicas;
  assert.ok(a);
  await setFault(a.address, { delay: { delayMs: 3_600_000, percentage: 100 } });
  try {
    const started = Date.now();
    await assert.rejects(getRecommendations(recommendationClient(a.address), 300), {
      code: grpc.status.DEADLINE_EXCEEDED,
    });
    assert.ok(Date.now() - started < 3000, 'the hang ended with the deadline');
  } finally {
    await clearFault(a.address);
  }
});

test('a replica that starts later adopts the current fault before it reports SERVING', async () => {
  const [a] = replicas;
  assert.ok(a);
  await setFault(a.address, { delay: { delayMs: 250, percentage: 40 } });
  const late = await startReplica(ports[2] ?? 0, 'replica-c');
  replicas.push(late);
  const fault = await getFault(late.address);
  assert.deepEqual(fault.fault.delay, { delayMs: 250, percentage: 40 });
  assert.ok(fault.version.atMs > 0, 'it carries the time of the change it adopted');
  const cleared = await clearFault(late.address);
  assert.equal(cleared.response.appliedTo.length, 3, 'a change through the late replica reaches all three');
});

test('only the admin role may change faults; a user may read them; no token is UNAUTHENTICATED', async () => {
  const [a] = replicas;
  assert.ok(a);
  const fault = { abort: { grpcCode: grpc.status.UNAVAILABLE, percentage: 10 } };
  await assert.rejects(setFault(a.address, fault, 'user'), { code: grpc.status.PERMISSION_DENIED });
  await assert.rejects(clearFault(a.address, 'user'), { code: grpc.status.PERMISSION_DENIED });
  await assert.rejects(setFault(a.address, fault, 'none'), { code: grpc.status.UNAUTHENTICATED });
  const current = await getFault(a.address);
  assert.equal(current.fault.abort ?? null, null, 'nothing changed');
});

test('a bad percentage, delay or status code is INVALID_ARGUMENT and changes nothing', async () => {
  const [a] = replicas;
  assert.ok(a);
  const bad: Fault[] = [
    { abort: { grpcCode: grpc.status.UNAVAILABLE, percentage: 101 } },
    { abort: { grpcCode: grpc.status.UNAVAILABLE, percentage: -1 } },
    { abort: { grpcCode: 0, percentage: 50 } },
    { abort: { grpcCode: 17, percentage: 50 } },
    { delay: { delayMs: 100, percentage: Number.NaN } },
  ];
  for (const fault of bad) {
    await assert.rejects(setFault(a.address, fault), { code: grpc.status.INVALID_ARGUMENT }, JSON.stringify(fault));
  }
  const current = await getFault(a.address);
  assert.equal(current.fault.abort ?? null, null);
});

test('two changes made at the same moment through two replicas leave every replica on the same fault, and only the one that stands answers OK', async () => {
  const [a, b] = replicas;
  assert.ok(a && b);
  // Twenty rounds of a race: each call is applied locally first, then forwarded.
  let aborted = 0;
  for (let round = 1; round <= 20; round += 1) {
    const delays = [round, 1000 + round] as const;
    const answers = await Promise.allSettled([
      setFault(a.address, { delay: { delayMs: delays[0], percentage: 1 } }),
      setFault(b.address, { delay: { delayMs: delays[1], percentage: 1 } }),
    ]);
    // Both calls have answered, so every forward has been taken or refused.
    const held = await Promise.all(replicas.map((replica) => getFault(replica.address)));
    const [first, ...rest] = held.map((answer) => ({
      delayMs: answer.fault.delay?.delayMs,
      version: answer.version,
    }));
    for (const other of rest) assert.deepEqual(other, first, `round ${round}: the replicas diverged`);
    // The change that stands answered OK; one that lost to it on some replica was told so.
    answers.forEach((answer, index) => {
      if (answer.status === 'fulfilled') return;
      aborted += 1;
      assert.equal((answer.reason as grpc.ServiceError).code, grpc.status.ABORTED, `round ${round}`);
      assert.match((answer.reason as grpc.ServiceError).details, /\(it holds a newer change, made at /);
      assert.notEqual(first?.delayMs, delays[index], `round ${round}: an ABORTED change stands`);
    });
    assert.ok(
      answers.some((answer) => answer.status === 'fulfilled'),
      `round ${round}: one of the two stands`,
    );
  }
  console.log(`20 races: ${aborted} changes told they lost to a newer one`);
  await clearFault(a.address);
});

/** SetFault as a replica forwards it: with a version in metadata, applied where it lands and not forwarded. */
async function forwardedSetFault(
  address: string,
  options: { token: string; atMs: number; origin?: string; fault?: Fault },
) {
  const client = faultClient(address, { token: options.token, protos });
  clients.push(client);
  const fault = options.fault ?? { abort: { grpcCode: 14, percentage: 100 } };
  return client.set(fault, {
    headers: { [replicationOriginHeader]: options.origin ?? 'somebody', [replicationAtHeader]: String(options.atMs) },
  });
}

/** The token a replica shows its peers, minted here with the replicas' secret (or another). */
function peerToken(key = secret) {
  return mintToken({
    key: secretKey(key),
    subject: 'replica:test',
    role: 'admin',
    ttlSeconds: 60,
    audience: 'fault-replicas',
  });
}

test('a forwarded change is taken only from a peer, and never with a version far in the future', async () => {
  const [a, b] = replicas;
  assert.ok(a && b);
  const year = Date.now() + 365 * 24 * 3600 * 1000;
  // An admin token, but not the token a replica mints for its peers.
  await assert.rejects(forwardedSetFault(a.address, { token: await tokenOf('admin'), atMs: year }), {
    code: grpc.status.PERMISSION_DENIED,
  });
  // A peer token (as a replica would mint it) claiming a change made a year from now.
  await assert.rejects(forwardedSetFault(a.address, { token: await peerToken(), atMs: year }), {
    code: grpc.status.INVALID_ARGUMENT,
  });
  // Nothing was locked out: an ordinary change still reaches every replica.
  const { response } = await setFault(b.address, { delay: { delayMs: 7, percentage: 1 } });
  assert.equal(response.appliedTo.length, replicas.length);
  assert.equal((await getFault(a.address)).fault.delay?.delayMs, 7);
  await clearFault(a.address);
});

function hasSs(): boolean {
  try {
    return runCommandSync('ss', ['-V'], { timeoutMs: 10_000 }).status === 0;
  } catch {
    return false;
  }
}

/** Established TCP connections that process `pid` holds to `port` on loopback (Linux: ss). */
function connectionsFrom(pid: number, port: number): number {
  const result = runCommandSync('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`], { timeoutMs: 10_000 });
  return result.stdout.split('\n').filter((line) => line.includes(`pid=${pid},`)).length;
}

test(
  'a replica keeps one connection to each peer, however many changes it forwards',
  { skip: hasSs() ? false : 'needs ss (iproute2)' },
  async () => {
    const [a, b] = replicas;
    assert.ok(a && b && a.child.pid !== undefined);
    for (let change = 1; change <= 5; change += 1) {
      await setFault(a.address, { delay: { delayMs: change, percentage: 1 } });
    }
    await clearFault(a.address);
    assert.equal(connectionsFrom(a.child.pid, b.port), 1, 'one long-lived channel to the peer, not one per change');
  },
);

test('a change a replica refuses because it holds a newer one is ABORTED, names who took it and who refused, and leaves every replica on the newer change', async () => {
  const [a, b, ...others] = replicas;
  assert.ok(a && b);
  // Replica B alone holds a change from 30 s ahead, as if made on a replica whose clock runs ahead and missed by A.
  const newerAt = Date.now() + 30_000;
  const newer = { delay: { delayMs: 42, percentage: 5 } };
  await forwardedSetFault(b.address, {
    token: await peerToken(),
    atMs: newerAt,
    origin: 'replica-ahead',
    fault: newer,
  });

  const wanted = { abort: { grpcCode: grpc.status.INTERNAL, percentage: 30 } };
  const newerText = `made at ${new Date(newerAt).toISOString()} through replica-ahead`;
  await assert.rejects(setFault(a.address, wanted), (error: grpc.ServiceError) => {
    assert.equal(error.code, grpc.status.ABORTED);
    const took = [a, ...others].map((replica) => replica.address).join(', ');
    assert.equal(
      error.details,
      `the change did not take on every replica: taken by ${took}; refused by ${b.address} (it holds a newer change, ${newerText}). ` +
        `The newer change (${newerText}) stands in its place on ${[a, ...others, b].map((replica) => replica.address).join(', ')}: ` +
        'read it, then make the change again if it is still wanted.',
    );
    return true;
  });
  // Nothing is split: every replica holds the newer change, not the refused one.
  for (const replica of replicas) {
    const held = await getFault(replica.address);
    assert.equal(held.version.origin, 'replica-ahead', replica.address);
    assert.deepEqual(held.fault.delay, newer.delay, replica.address);
  }
  // Made again, now that this replica knows the newer change, it takes everywhere.
  const { response } = await setFault(a.address, wanted);
  assert.equal(response.appliedTo.length, replicas.length);
  for (const replica of replicas) assert.equal((await getFault(replica.address)).fault.abort?.grpcCode, 13);
  await clearFault(a.address);
});

test('a replica that will not take changes from its peers makes every change ABORTED, naming it and why', async () => {
  const pair = [await freePort(), await freePort()];
  const target = `ipv4:${pair.map((port) => `127.0.0.1:${port}`).join(',')}`;
  const start = (port: number, name: string, jwtSecret: string) =>
    startService({ name, entry, env: { JWT_SECRET: jwtSecret, GRPC_PORT: String(port), FAULT_PEERS_TARGET: target } });
  // Its JWT secret differs from the other's (a botched rollout of the Secret): it refuses their peer tokens.
  const [good, misconfigured] = await Promise.all([
    start(pair[0] ?? 0, 'good', secret),
    start(pair[1] ?? 0, 'misconfigured', 'another-secret-0123456789abcdef0123456'),
  ]);
  try {
    await assert.rejects(setFault(good.address, { delay: { delayMs: 5, percentage: 1 } }), {
      code: grpc.status.ABORTED,
      details:
        `the change did not take on every replica: taken by ${good.address}; ` +
        `refused by ${misconfigured.address} (UNAUTHENTICATED: invalid token). ` +
        'The replicas now differ: correct the refusing ones, then make the change again.',
    });
  } finally {
    await Promise.all([good.stop(), misconfigured.stop()]);
  }
});

test('without tracing, no log line names an all-zero trace or span id', () => {
  // These replicas export no traces, so the spans around their calls are placeholders.
  const lines = replicas.flatMap((replica) => replica.logs).filter((line) => line['msg'] === 'call finished');
  assert.ok(lines.length > 10, 'the tests above made calls');
  const zeros = lines.filter((line) => /^0+$/.test(String(line['trace_id'])) || /^0+$/.test(String(line['span_id'])));
  assert.deepEqual(zeros, []);
});
