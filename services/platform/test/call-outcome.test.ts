import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, constants as http2, type IncomingHttpHeaders } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { createMetricsRegistry } from '../src/metrics.js';
import { unaryCall } from '../src/client.js';
import { parsePrometheusText, sum } from '../src/prometheus-text.js';
import { waitFor } from '@demo/testkit/wait';
import type { RecommendationServiceClient } from '../src/generated/demo/recommendation/v1/RecommendationService.js';
import {
  capturedLogger,
  getRecommendations,
  inProcessServer,
  protos,
  recommendationClient,
} from './in-process-server.js';

// A real server in this process whose handler waits until its call is over,
// and callers that end calls in each way a call can end without an answer.
const { logger, lines: logLines } = capturedLogger();
const metrics = createMetricsRegistry({ service: 'call-outcome-test' });
const server = inProcessServer({ logger, metrics, maxConnectionAgeGraceMs: 10_000 });
/** Why each handler's signal aborted, by the user id its request named. */
const abortReasons = new Map<string, string>();
server.addService(protos.demo.recommendation.v1.RecommendationService.service, {
  GetRecommendations: server.rpc.unary(async (request: { userId: string }, ctx) => {
    abortReasons.set(request.userId, 'running');
    await once(ctx.signal, 'abort').catch(() => undefined);
    abortReasons.set(request.userId, (ctx.signal.reason as Error).name);
    throw new Error('the handler gave up');
  }),
  StreamRecommendations: server.rpc.bidiStream(async () => undefined),
});
let client: RecommendationServiceClient;
const method = getRecommendations;

before(async () => {
  await server.start();
  client = recommendationClient(server);
});

after(async () => {
  client.close();
  await server.shutdown();
});

const handled = async (code: string) =>
  sum(parsePrometheusText(await metrics.metrics()), 'grpc_server_handled_total', { grpc_code: code });

const finishedLines = () => logLines.filter((line) => line['method'] === method);

test('a client that really cancels is CANCELLED on the server, with its peer address logged', async () => {
  const lines = finishedLines().length;
  const canceled = await handled('Canceled');
  const call = client.getRecommendations(
    { userId: '10', limit: 1 },
    { deadline: Date.now() + 60_000 },
    () => undefined,
  );
  await waitFor('the handler to run', () => abortReasons.get('10'));
  call.cancel();
  await waitFor('the handler to see the cancellation', () =>
    abortReasons.get('10') === 'running' ? undefined : abortReasons.get('10'),
  );
  assert.equal(abortReasons.get('10'), 'AbortError');
  const line = await waitFor('the log line', () => finishedLines()[lines]);
  assert.equal(line['code'], 'CANCELLED');
  assert.equal(line['level'], 30, 'info: the caller chose to go');
  assert.match(String(line['peer']), /^127\.0\.0\.1:\d+$/);
  assert.equal((await handled('Canceled')) - canceled, 1);
});

test('a call still running at its deadline is DEADLINE_EXCEEDED on the server: its signal, log line and metrics say so', async () => {
  const lines = finishedLines().length;
  const timedOut = await handled('DeadlineExceeded');
  await assert.rejects(
    unaryCall(
      (metadata, options, callback) =>
        client.getRecommendations({ userId: '11', limit: 1 }, metadata, options, callback),
      { deadline: new Date(Date.now() + 200) },
    ),
    { code: grpc.status.DEADLINE_EXCEEDED },
  );
  const line = await waitFor('the log line', () => finishedLines()[lines]);
  assert.equal(line['code'], 'DEADLINE_EXCEEDED');
  await waitFor('the handler to see the deadline', () =>
    abortReasons.get('11') === 'running' ? undefined : abortReasons.get('11'),
  );
  assert.equal(abortReasons.get('11'), 'TimeoutError');
  assert.equal((await handled('DeadlineExceeded')) - timedOut, 1);
  assert.equal(await handled('Canceled'), 1, 'only the call of the test before was Canceled');
});

/** Opens a raw HTTP/2 stream for GetRecommendations: headers only, then `end` it as told. */
async function rawCall(end: 'reset' | 'half-close'): Promise<number | undefined> {
  const session = connect(`http://127.0.0.1:${server.port}`);
  session.on('error', () => undefined);
  try {
    const stream = session.request({
      ':method': 'POST',
      ':path': method,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': '5S',
    });
    stream.on('error', () => undefined);
    let grpcStatus: number | undefined;
    stream.on('response', (headers) => (grpcStatus = Number(headers['grpc-status'] ?? Number.NaN)));
    stream.on(
      'trailers',
      (trailers: IncomingHttpHeaders) => (grpcStatus = Number(trailers['grpc-status'] ?? Number.NaN)),
    );
    stream.resume();
    if (end === 'reset') stream.close(http2.NGHTTP2_CANCEL);
    else stream.end();
    await once(stream, 'close');
    return grpcStatus;
  } finally {
    session.close();
  }
}

test('a call cancelled before its request message arrived is CANCELLED, not an error-level UNIMPLEMENTED', async () => {
  const lines = finishedLines().length;
  const canceled = await handled('Canceled');
  const unimplemented = await handled('Unimplemented');
  await rawCall('reset');
  const line = await waitFor('the log line', () => finishedLines()[lines]);
  assert.equal(line['code'], 'CANCELLED');
  assert.equal(line['level'], 30);
  assert.equal((await handled('Canceled')) - canceled, 1);
  assert.equal((await handled('Unimplemented')) - unimplemented, 0);
});

test('a client that half-closes without sending a request message still gets UNIMPLEMENTED', async () => {
  assert.equal(await rawCall('half-close'), grpc.status.UNIMPLEMENTED);
});

test('a cancellation in the last tenth of a call’s time (at least its last 10 ms) is its deadline; any earlier the client’s', async () => {
  const { cancellationStatus } = await import('../src/interceptors/cancellation.js');
  const startedAt = 1_000_000;
  const deadline = startedAt + 1000;
  const at = (now: number) => cancellationStatus({ deadline, startedAt, now }).code;
  assert.equal(at(deadline + 5), grpc.status.DEADLINE_EXCEEDED);
  assert.equal(at(deadline - 90), grpc.status.DEADLINE_EXCEEDED, 'the client’s timer, a little ahead of ours');
  assert.equal(at(deadline - 200), grpc.status.CANCELLED);
  assert.equal(cancellationStatus({ deadline: Infinity, startedAt, now: deadline }).code, grpc.status.CANCELLED);
  assert.equal(
    cancellationStatus({ deadline: startedAt + 50, startedAt, now: startedAt + 41 }).code,
    grpc.status.DEADLINE_EXCEEDED,
    'a short call still gets 10 ms',
  );
});
