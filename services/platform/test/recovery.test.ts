import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { InvalidArgumentError } from '../src/errors.js';
import { loadProtos } from '../src/protos.js';
import { GrpcServer } from '../src/server.js';
import { createMetricsRegistry } from '../src/metrics.js';
import { unaryCall } from '../src/client.js';
import type { RecommendationServiceClient } from '../src/generated/demo/recommendation/v1/RecommendationService.js';

// A real server in this process whose handlers fail in the ways handlers do.
const protos = loadProtos();
const logLines: Record<string, unknown>[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  }),
);
const server = new GrpcServer({
  host: '127.0.0.1',
  port: 0,
  logger,
  metrics: createMetricsRegistry({ service: 'recovery-test' }),
  reflection: protos.reflection,
  auth: {
    policy: {
      '/demo.recommendation.v1.RecommendationService/GetRecommendations': 'public',
      '/demo.recommendation.v1.RecommendationService/StreamRecommendations': 'public',
    },
  },
  maxConnectionAgeMs: 60_000,
  handshakeTimeoutMs: 10_000,
  keepaliveTimeMs: 60_000,
  keepaliveTimeoutMs: 20_000,
  shutdownDelayMs: 0,
  shutdownGraceMs: 2_000,
});
server.addService(protos.demo.recommendation.v1.RecommendationService.service, {
  GetRecommendations: server.rpc.unary(async (request: { userId: string }) => {
    if (request.userId === '1') throw new TypeError('a bug in the handler');
    if (request.userId === '2') throw new InvalidArgumentError('user 2 is refused');
    return { recommendations: [], servedBy: server.replica };
  }),
  StreamRecommendations: server.rpc.bidiStream(async (requests, send) => {
    for await (const request of requests as AsyncIterable<{ userId: string }>) {
      if (request.userId === '1') throw new RangeError('a bug halfway through a stream');
      await send({ recommendations: [], servedBy: server.replica });
    }
  }),
});
let client: RecommendationServiceClient;

before(async () => {
  await server.start();
  client = new protos.demo.recommendation.v1.RecommendationService(
    `127.0.0.1:${server.port}`,
    grpc.credentials.createInsecure(),
  );
});

after(async () => {
  client.close();
  await server.shutdown();
});

const call = (userId: string) =>
  unaryCall<{ servedBy: string }>(
    (metadata, options, callback) => client.getRecommendations({ userId }, metadata, options, callback),
    { deadline: new Date(Date.now() + 5000) },
  );

test('a handler that throws answers INTERNAL without its message, logs the stack, and the server keeps serving', async () => {
  await assert.rejects(call('1'), { code: grpc.status.INTERNAL, details: 'internal error' });
  const logged = logLines.find((line) => line['msg'] === 'handler failed; answering INTERNAL');
  assert.match(String((logged?.['err'] as { stack?: string } | undefined)?.stack), /a bug in the handler/);
  const { response } = await call('3');
  assert.equal(response.servedBy, `127.0.0.1:${server.port}`);
});

test('a domain error keeps its own status code and message', async () => {
  await assert.rejects(call('2'), { code: grpc.status.INVALID_ARGUMENT, details: 'user 2 is refused' });
});

test('a stream handler that throws halfway ends the stream with INTERNAL after the answers already sent', async () => {
  const stream = client.streamRecommendations();
  let answers = 0;
  const outcome = new Promise<grpc.ServiceError>((resolve, reject) => {
    stream.on('data', () => (answers += 1));
    stream.on('error', resolve);
    stream.on('end', () => reject(new Error('ended without an error')));
  });
  stream.write({ userId: '3' });
  stream.write({ userId: '1' });
  stream.end();
  const error = await outcome;
  assert.equal(error.code, grpc.status.INTERNAL);
  assert.equal(answers, 1);
});

test('every finished call is logged once with method, code, duration and peer', async () => {
  await call('4');
  const line = logLines.findLast((l) => l['msg'] === 'call finished');
  assert.equal(line?.['method'], '/demo.recommendation.v1.RecommendationService/GetRecommendations');
  assert.equal(line['code'], 'OK');
  assert.equal(typeof line['duration_ms'], 'number');
  assert.match(String(line['peer']), /^127\.0\.0\.1:\d+$/);
});
