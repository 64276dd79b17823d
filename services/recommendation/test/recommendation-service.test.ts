import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProtos, unaryCall } from '@demo/platform';
import { startService, type ServiceProcess } from '@demo/testkit/processes';
import { waitFor } from '@demo/testkit/wait';
import type { RecommendationServiceClient } from '@demo/platform/generated/demo/recommendation/v1/RecommendationService.js';
import type { StreamRecommendationsResponse__Output } from '@demo/platform/generated/demo/recommendation/v1/StreamRecommendationsResponse.js';

const entry = fileURLToPath(new URL('../src/main.js', import.meta.url));
const protos = loadProtos();
const env = { JWT_SECRET: 'recommendation-test-secret-0123456789abcdef' };
let service: ServiceProcess;
let client: RecommendationServiceClient;

before(async () => {
  service = await startService({ name: 'recommendation', entry, env });
  client = new protos.demo.recommendation.v1.RecommendationService(service.address, grpc.credentials.createInsecure());
});

after(async () => {
  client.close();
  await service.stop();
});

const deadline = () => new Date(Date.now() + 5000);

function getRecommendations(userId: string, limit: number) {
  return unaryCall<{ recommendations: { productId: string; score: number }[]; servedBy: string }>(
    (metadata, options, callback) => client.getRecommendations({ userId, limit }, metadata, options, callback),
    { deadline: deadline() },
  );
}

test('GetRecommendations answers the same list twice and names the replica in the body and the header', async () => {
  const first = await getRecommendations('5', 8);
  const second = await getRecommendations('5', 8);
  assert.equal(first.response.recommendations.length, 8);
  assert.deepEqual(second.response.recommendations, first.response.recommendations);
  assert.equal(first.response.servedBy, service.address);
  assert.equal(first.servedBy, service.address);
});

test('GetRecommendations refuses a bad user id or limit with INVALID_ARGUMENT', async () => {
  for (const [userId, limit] of [
    ['0', 5],
    ['12', 51],
    ['12', -1],
  ] as const) {
    await assert.rejects(getRecommendations(userId, limit), { code: grpc.status.INVALID_ARGUMENT });
  }
});

test('StreamRecommendations answers every view with a refreshed list that leaves the viewed product out', async () => {
  const stream = client.streamRecommendations({ deadline: deadline() });
  const answers: StreamRecommendationsResponse__Output[] = [];
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('data', (answer: StreamRecommendationsResponse__Output) => answers.push(answer));
    stream.on('error', reject);
    stream.on('end', resolve);
  });
  stream.write({ userId: '9', limit: 5 });
  stream.write({ userId: '9', viewedProductId: 'aud-001', limit: 5 });
  stream.write({ userId: '9', viewedProductId: 'aud-002', limit: 5 });
  stream.end();
  await finished;
  assert.equal(answers.length, 3);
  const viewedIds = new Set(['aud-001', 'aud-002']);
  assert.ok(answers[2]?.recommendations.every((r) => !viewedIds.has(r.productId)));
  assert.ok(answers.every((answer) => answer.servedBy === service.address));
});

test('StreamRecommendations ends with INVALID_ARGUMENT on a product that is not in the catalog', async () => {
  const stream = client.streamRecommendations({ deadline: deadline() });
  const outcome = new Promise<grpc.ServiceError>((resolve, reject) => {
    stream.on('data', () => undefined);
    stream.on('error', resolve);
    stream.on('end', () => reject(new Error('the stream ended without an error')));
  });
  stream.write({ userId: '9', viewedProductId: 'no-such-product', limit: 5 });
  stream.end();
  assert.equal((await outcome).code, grpc.status.INVALID_ARGUMENT);
});

test('SIGTERM ends an open stream promptly with UNAVAILABLE, after the answers already sent, and the process exits 0', async () => {
  // A grace far longer than the test: the stream must end because the server drains, not because the grace ran out.
  const graceMs = 30_000;
  const draining = await startService({
    name: 'recommendation-draining',
    entry,
    env: { ...env, SHUTDOWN_GRACE_MS: String(graceMs) },
  });
  const streamClient = new protos.demo.recommendation.v1.RecommendationService(
    draining.address,
    grpc.credentials.createInsecure(),
  );
  try {
    const stream = streamClient.streamRecommendations({ deadline: new Date(Date.now() + 60_000) });
    const answers: StreamRecommendationsResponse__Output[] = [];
    const firstAnswer = new Promise<void>((resolve) =>
      stream.on('data', (answer: StreamRecommendationsResponse__Output) => {
        answers.push(answer);
        resolve();
      }),
    );
    const ended = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
    stream.on('error', () => undefined);
    stream.write({ userId: '3', limit: 3 });
    await firstAnswer;

    // The client keeps its stream open; the draining server ends it.
    const signalledAt = Date.now();
    draining.child.kill('SIGTERM');
    const status = await ended;
    assert.equal(status.code, grpc.status.UNAVAILABLE);
    assert.match(status.details, /shutting down/);
    assert.equal(await draining.exited, 0);
    const tookMs = Date.now() - signalledAt;
    assert.ok(tookMs < graceMs / 3, `the stream ended and the process exited ${tookMs} ms after SIGTERM`);
    assert.equal(answers.length, 1);
  } finally {
    streamClient.close();
    await draining.stop();
  }
});

test('a recommendation stream runs on across many connection ages and keepalive rounds, every view answered', async () => {
  // A short age and a short keepalive, so the stream's connection ages, then
  // goes through three keepalive rounds (a ping and its timeout) while it
  // drains: the first of them used to destroy it.
  const [ageMs, keepaliveMs, keepaliveTimeoutMs] = [500, 1000, 1000];
  const ageing = await startService({
    name: 'recommendation-ageing',
    entry,
    env: {
      ...env,
      MAX_CONNECTION_AGE_MS: String(ageMs),
      KEEPALIVE_TIME_MS: String(keepaliveMs),
      KEEPALIVE_TIMEOUT_MS: String(keepaliveTimeoutMs),
    },
  });
  const streamClient = new protos.demo.recommendation.v1.RecommendationService(
    ageing.address,
    grpc.credentials.createInsecure(),
  );
  try {
    const stream = streamClient.streamRecommendations();
    let answers = 0;
    let ended: grpc.StatusObject | undefined;
    stream.on('data', () => (answers += 1));
    stream.on('error', () => undefined);
    stream.on('status', (status: grpc.StatusObject) => (ended = status));
    let views = 0;
    const runMs = ageMs * 1.1 + 3 * (keepaliveMs + keepaliveTimeoutMs);
    for (const runUntil = Date.now() + runMs; Date.now() < runUntil && views < 1000; views += 1) {
      stream.write({ userId: '3', viewedProductId: 'kit-001', limit: 3 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(ended, undefined, `the stream ended: ${JSON.stringify(ended)}`);
    }
    await waitFor('every view to be answered', () => (answers === views ? true : undefined));
    stream.end();
    await waitFor('the stream to end', () => ended);
    assert.equal(ended?.code, grpc.status.OK);
  } finally {
    streamClient.close();
    await ageing.stop();
  }
});
