import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { scrapeMetric } from '@demo/testkit/metrics';
import { createUser, getUserHome, startLocalSystem, testToken, type LocalSystem } from './system.js';

let system: LocalSystem;
let userId: string;
let userToken: string;

before(async () => {
  system = await startLocalSystem();
  userId = (await createUser(system, 'Ada Lovelace', 'ada@example.com')).id;
  userToken = await testToken('user');
});

after(async () => {
  await system.stop();
});

test('GetUserHome answers the user with recommendations and names the replicas that answered', async () => {
  const { response } = await getUserHome(system, { userId, recommendationLimit: 7 }, { token: userToken });
  assert.equal(response.user?.name, 'Ada Lovelace');
  assert.equal(response.recommendations.length, 7);
  assert.equal(response.degraded, false);
  assert.deepEqual(response.degradations, []);
  assert.equal(response.servedBy['user'], system.user.address);
  assert.ok(
    system.recommendations.some((r) => r.address === response.servedBy['recommendation']),
    `served_by ${response.servedBy['recommendation']} names a recommendation replica`,
  );
});

test('an admin token may do what a user token may', async () => {
  const { response } = await getUserHome(system, { userId }, { token: await testToken('admin') });
  assert.equal(response.user?.id, userId);
  assert.equal(response.recommendations.length, 5, 'limit 0 means the default of 5');
});

test('a user that does not exist is NOT_FOUND', async () => {
  await assert.rejects(getUserHome(system, { userId: '987654' }, { token: userToken }), {
    code: grpc.status.NOT_FOUND,
  });
});

test('the recommendation calls cancelled when the user is missing end CANCELLED downstream, never UNIMPLEMENTED', async () => {
  const handled = async (code: string) => {
    let total = 0;
    for (const replica of system.recommendations) {
      total += await scrapeMetric(replica.metricsPort ?? 0, 'grpc_server_handled_total', {
        grpc_method: 'GetRecommendations',
        grpc_code: code,
      });
    }
    return total;
  };
  const unimplemented = await handled('Unimplemented');
  // The user service answers NOT_FOUND at once, so the sibling recommendation
  // call is often cancelled before its request message has gone out.
  for (let i = 0; i < 50; i += 1) {
    await assert.rejects(getUserHome(system, { userId: '987654' }, { token: userToken }), {
      code: grpc.status.NOT_FOUND,
    });
  }
  const canceled = await handled('Canceled');
  console.log(`sibling cancellation: ${canceled} recommendation calls counted Canceled downstream`);
  assert.equal((await handled('Unimplemented')) - unimplemented, 0);
  const errors = system.recommendations.flatMap((r) => r.logs).filter((line) => line['level'] === 'error');
  assert.deepEqual(errors, [], 'no error-level line on the recommendation replicas');
});

test('a caller whose deadline leaves less than the margin gets DEADLINE_EXCEEDED, and nobody is called', async () => {
  const userCalls = () =>
    scrapeMetric(system.user.metricsPort ?? 0, 'grpc_server_started_total', { grpc_method: 'GetUser' });
  const before = await userCalls();
  // 15 ms is less than the 20 ms margin before it even leaves.
  for (let i = 0; i < 5; i += 1) {
    await assert.rejects(getUserHome(system, { userId }, { token: userToken, timeoutMs: 15 }), {
      code: grpc.status.DEADLINE_EXCEEDED,
    });
  }
  assert.equal(await userCalls(), before, 'the user service was not called');
});

test('a bad user id or recommendation limit is INVALID_ARGUMENT', async () => {
  await assert.rejects(getUserHome(system, { userId: '0' }, { token: userToken }), {
    code: grpc.status.INVALID_ARGUMENT,
  });
  await assert.rejects(getUserHome(system, { userId, recommendationLimit: 51 }, { token: userToken }), {
    code: grpc.status.INVALID_ARGUMENT,
  });
});

test('a call without a token, with a forged one, an expired one or not a bearer one is UNAUTHENTICATED, and the aggregator stays up', async () => {
  const refused: { label: string; token?: string; headers?: Record<string, string> }[] = [
    { label: 'no token' },
    { label: 'forged', token: await testToken('user', { secret: 'someone-elses-secret-0123456789abcdef' }) },
    { label: 'expired', token: await testToken('user', { ttlSeconds: -60 }) },
    // Malformed on purpose: these headers are built by hand because they are what is tested.
    { label: 'not a bearer one', headers: { authorization: 'Basic dXNlcjpwYXNz' } },
    { label: 'a bearer one that is no JWT', headers: { authorization: 'Bearer not.a.jwt' } },
  ];
  for (const { label, ...options } of refused) {
    await assert.rejects(getUserHome(system, { userId }, options), { code: grpc.status.UNAUTHENTICATED }, label);
  }
  const { response } = await getUserHome(system, { userId }, { token: userToken });
  assert.equal(response.user?.id, userId);
  assert.equal(system.aggregator.child.exitCode, null);
});

test('200 calls through the aggregator land within 10% of evenly on the two recommendation replicas', async () => {
  const counts = new Map<string, number>();
  for (let i = 0; i < 200; i += 1) {
    const { response } = await getUserHome(system, { userId }, { token: userToken });
    const replica = response.servedBy['recommendation'] ?? 'none';
    counts.set(replica, (counts.get(replica) ?? 0) + 1);
  }
  const [a, b] = system.recommendations.map((r) => counts.get(r.address) ?? 0);
  console.log(`balancing split over 200 calls: ${a} / ${b}`);
  assert.equal((a ?? 0) + (b ?? 0), 200, `every call served by a known replica: ${JSON.stringify([...counts])}`);
  assert.ok(Math.abs((a ?? 0) - 100) <= 10, `split ${a} / ${b} is within 10% of 100 / 100`);
});
