import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { waitFor } from '@demo/testkit/wait';
import { createUser, getUserHome, startLocalSystem, testToken, type LocalSystem } from './system.js';

// These tests take replicas away, so they run on a system of their own, in order.
let system: LocalSystem;
let userId: string;
let userToken: string;

before(async () => {
  system = await startLocalSystem();
  userId = (await createUser(system, 'Grace Hopper', 'grace@example.com')).id;
  userToken = await testToken('user');
});

after(async () => {
  await system.stop();
});

test('SIGTERM to a recommendation replica under load fails no call, and the survivor takes every call after it', async () => {
  const [leaving, staying] = system.recommendations;
  assert.ok(leaving && staying);
  const outcomes: { ok: boolean; degraded: boolean; replica: string | undefined; at: number }[] = [];
  let stopAt = Number.POSITIVE_INFINITY;
  // Eight callers keep calls in flight the whole time, bounded in count and time.
  const giveUp = Date.now() + 20_000;
  const caller = async () => {
    for (let i = 0; i < 400 && Date.now() < Math.min(stopAt, giveUp); i += 1) {
      try {
        const { response } = await getUserHome(system, { userId }, { token: userToken });
        outcomes.push({
          ok: true,
          degraded: response.degraded,
          replica: response.servedBy['recommendation'],
          at: Date.now(),
        });
      } catch {
        outcomes.push({ ok: false, degraded: false, replica: undefined, at: Date.now() });
      }
    }
  };
  const callers = Array.from({ length: 8 }, caller);
  await waitFor('calls on both replicas', () =>
    outcomes.filter((o) => o.replica === leaving.address).length > 20 ? true : undefined,
  );
  const signalledAt = Date.now();
  const exitCode = await leaving.stop('SIGTERM');
  const exitedAt = Date.now();
  await waitFor('100 calls after the replica exited', () =>
    outcomes.filter((o) => o.at > exitedAt).length >= 100 ? true : undefined,
  );
  stopAt = Date.now();
  await Promise.all(callers);

  assert.equal(exitCode, 0, 'the replica drained and exited cleanly');
  assert.deepEqual(
    outcomes.filter((o) => !o.ok || o.degraded),
    [],
    'no call failed or degraded around the shutdown',
  );
  const afterExit = outcomes.filter((o) => o.at > exitedAt);
  assert.ok(
    afterExit.every((o) => o.replica === staying.address),
    'every call after the exit went to the survivor',
  );
  console.log(
    `shutdown under load: ${outcomes.length} calls, 0 failed; drained in ${exitedAt - signalledAt} ms; ${afterExit.length} calls after exit all on the survivor`,
  );
});

test('with every recommendation replica gone the answer still comes, degraded, with the fallback list', async () => {
  await Promise.all(system.recommendations.map((r) => r.stop()));
  const { response } = await getUserHome(system, { userId, recommendationLimit: 3 }, { token: userToken });
  assert.equal(response.user?.name, 'Grace Hopper');
  assert.equal(response.degraded, true);
  assert.equal(response.degradations[0]?.dependency, 'recommendation');
  assert.match(response.degradations[0].reason, /^(UNAVAILABLE|DEADLINE_EXCEEDED)/);
  assert.equal(response.recommendations.length, 3, 'the fallback list, cut to the limit');
  assert.equal(response.servedBy['recommendation'], undefined);
});

test('with the user service gone the answer is UNAVAILABLE, since the user is required', async () => {
  await system.user.stop();
  await assert.rejects(getUserHome(system, { userId }, { token: userToken }), { code: grpc.status.UNAVAILABLE });
});
