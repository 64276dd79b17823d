import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '../src/errors.js';
import { unaryCall } from '../src/client.js';
import type { RecommendationServiceClient } from '../src/generated/demo/recommendation/v1/RecommendationService.js';
import { capturedLogger, inProcessServer, protos, recommendationClient } from './in-process-server.js';

// A real server in this process whose handlers fail in the ways handlers do.
const { logger, lines: logLines } = capturedLogger();
const server = inProcessServer({ logger });
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
  client = recommendationClient(server);
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
