import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { faultClient, homeClient, loadProtos, mintToken, secretKey, unaryCall, type Fault } from '@demo/platform';
import { scrapeMetric } from '@demo/testkit/metrics';
import { startRedis, type RedisProcess } from '@demo/testkit/redis';
import { waitFor } from '@demo/testkit/wait';
import { startLocalSystem, type LocalSystem } from '@demo/testkit/local-system';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@demo/testkit/otlp-receiver';
import { startPrometheus, type PrometheusServer } from '@demo/testkit/prometheus';

// The three real services export to a real OTLP receiver and are scraped by
// a real Prometheus; the test plays a traced client by sending its own
// traceparent, so each call's trace is known.
const secret = randomBytes(32).toString('hex');
const protos = loadProtos();
let receiver: OtlpReceiver;
let redis: RedisProcess;
let system: LocalSystem;
let prometheus: PrometheusServer;
let userId: string;
const clients: { close(): void }[] = [];

before(async () => {
  receiver = await startOtlpReceiver();
  redis = await startRedis();
  system = await startLocalSystem({
    jwtSecret: secret,
    env: {
      all: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
      user: { REDIS_URL: redis.url },
    },
  });
  const userClient = new protos.demo.user.v1.UserService(system.user.address, grpc.credentials.createInsecure());
  clients.push(userClient);
  const { response } = await unaryCall<{ user: { id: string } | null }>(
    (md, options, callback) =>
      userClient.createUser({ name: 'Frances Allen', email: 'frances@example.com' }, md, options, callback),
    { deadline: new Date(Date.now() + 5000) },
  );
  userId = response.user?.id ?? '';
  prometheus = await startPrometheus(
    [system.aggregator, system.user, ...system.recommendations].map((service) => ({
      job: service.name,
      port: service.metricsPort ?? 0,
    })),
  );
});

after(async () => {
  for (const client of clients) client.close();
  await prometheus.stop();
  await system.stop();
  await redis.stop();
  await receiver.stop();
});

/** GetUserHome as a traced client: our own traceparent, so the trace id is known. */
async function tracedUserHome(options: { token?: string | undefined } = {}) {
  const traceId = randomBytes(16).toString('hex');
  const parentSpanId = randomBytes(8).toString('hex');
  const client = homeClient(system.aggregator.address, { protos, deadlineMs: 5000 });
  clients.push(client);
  const call = await client.home(userId, {
    headers: { traceparent: `00-${traceId}-${parentSpanId}-01` },
    ...(options.token ? { token: options.token } : {}),
  });
  const outcome = { response: call.answer, error: call.error as grpc.ServiceError | undefined };
  return { traceId, parentSpanId, ...outcome };
}

const userToken = () => mintToken({ key: secretKey(secret), subject: 'telemetry', role: 'user', ttlSeconds: 300 });

function spansOf(traceId: string): ReceivedSpan[] {
  return receiver.spans.filter((span) => span.traceId === traceId);
}

function only(spans: ReceivedSpan[], predicate: (span: ReceivedSpan) => boolean, what: string): ReceivedSpan {
  const found = spans.filter(predicate);
  assert.equal(found.length, 1, `exactly one ${what} in ${JSON.stringify(spans.map((s) => `${s.service}:${s.name}`))}`);
  return found[0] as ReceivedSpan;
}

const SERVER = 2;
const CLIENT = 3;
const isRedis = (span: ReceivedSpan) => span.attributes['db.system.name'] === 'redis';

test('one GetUserHome is one trace: aggregator server span, its two client spans, the user and recommendation server spans beneath them, Redis under the user span', async () => {
  const { traceId, parentSpanId, response } = await tracedUserHome({ token: await userToken() });
  assert.equal(response?.degraded, false);
  const spans = await waitFor('the trace to arrive', () => {
    const found = spansOf(traceId);
    return found.filter((s) => s.kind === SERVER).length >= 3 && found.some(isRedis) ? found : undefined;
  });
  const home = only(spans, (s) => s.kind === SERVER && s.service === 'aggregator', 'aggregator server span');
  assert.equal(home.name, 'grpc.demo.aggregator.v1.AggregatorService/GetUserHome');
  assert.equal(home.parentSpanId, parentSpanId, 'it continues the caller’s trace');
  assert.equal(home.attributes['degraded'], false);
  const getUser = only(
    spans,
    (s) => s.kind === CLIENT && s.name.endsWith('UserService/GetUser'),
    'GetUser client span',
  );
  const getRecs = only(
    spans,
    (s) => s.kind === CLIENT && s.name.endsWith('RecommendationService/GetRecommendations'),
    'GetRecommendations client span',
  );
  assert.equal(getUser.parentSpanId, home.spanId);
  assert.equal(getRecs.parentSpanId, home.spanId);
  const userServer = only(spans, (s) => s.kind === SERVER && s.service === 'user', 'user server span');
  const recsServer = only(
    spans,
    (s) => s.kind === SERVER && s.service === 'recommendation',
    'recommendation server span',
  );
  assert.equal(userServer.parentSpanId, getUser.spanId);
  assert.equal(recsServer.parentSpanId, getRecs.spanId);
  const redisSpans = spans.filter(isRedis);
  assert.ok(redisSpans.length > 0, 'Redis commands are traced');
  assert.ok(
    redisSpans.every((s) => s.parentSpanId === userServer.spanId),
    'under the user server span',
  );
  const serviceNames = new Set(spans.map((s) => s.service));
  assert.deepEqual([...serviceNames].sort(), ['aggregator', 'recommendation', 'user']);
  for (const service of [system.aggregator, system.user, ...system.recommendations]) {
    assert.doesNotMatch(
      service.stderr.join(''),
      /loaded before/,
      `${service.name}: the preload ran before grpc-js loaded`,
    );
  }
});

test('an injected fault and the fallback show on the trace', async () => {
  const admin = await mintToken({ key: secretKey(secret), subject: 'telemetry', role: 'admin', ttlSeconds: 300 });
  const faults = faultClient(system.recommendations[0]?.address ?? '', { token: admin, protos });
  clients.push(faults);
  const setFault = (fault: Fault) => faults.set(fault);
  await setFault({ abort: { grpcCode: grpc.status.INTERNAL, percentage: 100 } });
  try {
    const { traceId, response } = await tracedUserHome({ token: await userToken() });
    assert.equal(response?.degraded, true);
    const spans = await waitFor('the faulted trace to arrive', () => {
      const found = spansOf(traceId);
      return found.some((s) => s.service === 'recommendation') &&
        found.some((s) => s.service === 'aggregator' && s.kind === SERVER)
        ? found
        : undefined;
    });
    const home = only(spans, (s) => s.kind === SERVER && s.service === 'aggregator', 'aggregator server span');
    assert.equal(home.attributes['degraded'], true);
    const fallback = home.events.find((e) => e.name === 'fallback.used');
    assert.equal(fallback?.attributes['dependency'], 'recommendation');
    const faulted = only(
      spans,
      (s) => s.kind === SERVER && s.service === 'recommendation',
      'recommendation server span',
    );
    const injected = faulted.events.find((e) => e.name === 'fault.injected');
    assert.equal(injected?.attributes['fault.kind'], 'abort');
    assert.equal(injected.attributes['fault.grpc_code'], grpc.status.INTERNAL);
    assert.equal(faulted.statusCode, 2, 'the aborted call is an error');
  } finally {
    await setFault({});
  }
});

test('a call held past its deadline by a hang is DEADLINE_EXCEEDED on the server too: log line, grpc_server_handled_total, and a server span with the fault events', async () => {
  const replica = system.recommendations[0];
  assert.ok(replica?.metricsPort !== undefined);
  const admin = await mintToken({ key: secretKey(secret), subject: 'telemetry', role: 'admin', ttlSeconds: 300 });
  const faults = faultClient(replica.address, { token: admin, protos });
  const recommendationClient = new protos.demo.recommendation.v1.RecommendationService(
    replica.address,
    grpc.credentials.createInsecure(),
  );
  clients.push(faults, recommendationClient);
  const setFault = (fault: Fault) => faults.set(fault);
  const timedOut = () =>
    scrapeMetric(replica.metricsPort ?? 0, 'grpc_server_handled_total', {
      grpc_method: 'GetRecommendations',
      grpc_code: 'DeadlineExceeded',
    });
  const before = await timedOut();
  await setFault({ delay: { delayMs: 3_600_000, percentage: 100 } });
  try {
    const traceId = randomBytes(16).toString('hex');
    const metadata = new grpc.Metadata();
    metadata.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
    await assert.rejects(
      unaryCall(
        (md, options, callback) =>
          recommendationClient.getRecommendations({ userId: '1', limit: 2 }, md, options, callback),
        { deadline: new Date(Date.now() + 300), metadata },
      ),
      { code: grpc.status.DEADLINE_EXCEEDED },
    );
    const span = await waitFor('the hung call’s server span', () =>
      spansOf(traceId).find((s) => s.kind === SERVER && s.service === 'recommendation'),
    );
    assert.equal(span.name, 'grpc.demo.recommendation.v1.RecommendationService/GetRecommendations');
    assert.equal(span.attributes['rpc.grpc.status_code'], grpc.status.DEADLINE_EXCEEDED);
    assert.equal(span.statusCode, 2);
    assert.equal(span.events.find((e) => e.name === 'fault.injected')?.attributes['fault.kind'], 'delay');
    const delay = await waitFor('the fault.delay span', () => spansOf(traceId).find((s) => s.name === 'fault.delay'));
    assert.equal(delay.attributes['fault.cut_short_by'], 'cancellation');
    const line = await waitFor('the hung call’s log line', () =>
      replica.logs.find((l) => l['msg'] === 'call finished' && l['trace_id'] === traceId),
    );
    assert.equal(line['code'], 'DEADLINE_EXCEEDED');
    assert.equal(line['span_id'], span.spanId);
    assert.equal((await timedOut()) - before, 1, 'counted DeadlineExceeded, not Canceled');
  } finally {
    await setFault({});
  }
});

test('a call refused by auth still gets a server span, with UNAUTHENTICATED, in the caller’s trace', async () => {
  const { traceId, parentSpanId, error } = await tracedUserHome({ token: undefined });
  assert.equal(error?.code, grpc.status.UNAUTHENTICATED);
  const span = await waitFor('the refused call’s span', () => spansOf(traceId).find((s) => s.kind === SERVER));
  assert.equal(span.name, 'grpc.demo.aggregator.v1.AggregatorService/GetUserHome');
  assert.equal(span.parentSpanId, parentSpanId);
  assert.equal(span.attributes['rpc.grpc.status_code'], grpc.status.UNAUTHENTICATED);
  assert.equal(span.statusCode, 2);
  const logged = await waitFor('the refused call’s log line', () =>
    system.aggregator.logs.find((line) => line['msg'] === 'call finished' && line['trace_id'] === traceId),
  );
  assert.equal(logged['code'], 'UNAUTHENTICATED');
});

test("a call's log line carries the trace id of that call's spans", async () => {
  const { traceId } = await tracedUserHome({ token: await userToken() });
  const line = await waitFor('the aggregator log line of the call', () =>
    system.aggregator.logs.find((l) => l['msg'] === 'call finished' && l['trace_id'] === traceId),
  );
  assert.equal(line['method'], '/demo.aggregator.v1.AggregatorService/GetUserHome');
  const span = await waitFor('its server span', () =>
    spansOf(traceId).find((s) => s.kind === SERVER && s.service === 'aggregator'),
  );
  assert.equal(line['span_id'], span.spanId);
  const userLine = await waitFor('the user service log line of the same call', () =>
    system.user.logs.find((l) => l['msg'] === 'call finished' && l['trace_id'] === traceId),
  );
  assert.equal(userLine['method'], '/demo.user.v1.UserService/GetUser');
});

test('Prometheus scrapes grpc_server_handled_total from every service, and a latency exemplar names an exported trace', async () => {
  await tracedUserHome({ token: await userToken() });
  const services = await waitFor(
    'grpc_server_handled_total from all three services',
    async () => {
      const result = await prometheus.query('sum by (service) (grpc_server_handled_total)');
      const names = result.map((r) => r.metric['service']).sort();
      return names.length === 3 ? names : undefined;
    },
    30_000,
  );
  assert.deepEqual(services, ['aggregator', 'recommendation', 'user']);
  const exported = new Set(receiver.spans.map((s) => s.traceId));
  const exemplar = await waitFor(
    'an exemplar with an exported trace id',
    async () => {
      const series = await prometheus.exemplars('grpc_server_handling_seconds_bucket');
      return series.flatMap((s) => s.exemplars).find((e) => exported.has(e.labels['trace_id'] ?? ''));
    },
    30_000,
  );
  assert.match(exemplar.labels['trace_id'] ?? '', /^[0-9a-f]{32}$/);
});

test('SIGTERM exports the spans of finished calls before the process exits, long before the batch would have gone', async () => {
  const { startService } = await import('@demo/testkit/processes');
  const { serviceEntry } = await import('@demo/testkit/entrypoints');
  // The default 5 s batch delay: without the flush at shutdown this span would be lost.
  const recommendation = await startService({
    name: 'recommendation-flush',
    entry: serviceEntry.recommendation,
    env: { JWT_SECRET: secret, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint },
  });
  const client = new protos.demo.recommendation.v1.RecommendationService(
    recommendation.address,
    grpc.credentials.createInsecure(),
  );
  clients.push(client);
  const traceId = randomBytes(16).toString('hex');
  const metadata = new grpc.Metadata();
  metadata.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
  await unaryCall(
    (md, options, callback) => client.getRecommendations({ userId: '1', limit: 2 }, md, options, callback),
    { deadline: new Date(Date.now() + 5000), metadata },
  );
  const signalled = Date.now();
  assert.equal(await recommendation.stop('SIGTERM'), 0);
  assert.ok(Date.now() - signalled < 4000, 'it exited before the batch delay ran out');
  assert.equal(spansOf(traceId).filter((s) => s.kind === SERVER).length, 1, 'the span was exported at shutdown');
});
