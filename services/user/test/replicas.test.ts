// Two user processes on one real Redis, as replicas run in the cluster.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { startRedis, type RedisProcess } from '@demo/testkit/redis';
import { startService, type ServiceProcess } from '@demo/testkit/processes';
import { waitFor } from '@demo/testkit/wait';
import { UserClient, uniqueEmail, userEventsChannel, userServiceEntry } from './user-client.js';

describe('two user replicas sharing one Redis', () => {
  let redis: RedisProcess;
  /** The test's own connection, for looking at Redis from outside the services. */
  let inspector: Redis;
  let replicaA: ServiceProcess;
  let replicaB: ServiceProcess;
  let clientA: UserClient;
  let clientB: UserClient;

  /** How many connections are subscribed to the user events channel, over all replicas. */
  async function subscribedConnections(): Promise<number> {
    const reply = await inspector.pubsub('NUMSUB', userEventsChannel);
    return Number(reply[1]);
  }

  before(async () => {
    redis = await startRedis();
    inspector = new Redis(redis.url);
    const env = { REDIS_URL: redis.url };
    [replicaA, replicaB] = await Promise.all([
      startService({ name: 'user-a', entry: userServiceEntry, env }),
      startService({ name: 'user-b', entry: userServiceEntry, env }),
    ]);
    clientA = new UserClient(replicaA.address);
    clientB = new UserClient(replicaB.address);
  });

  after(async () => {
    clientA.close();
    clientB.close();
    await Promise.all([replicaA.stop(), replicaB.stop()]);
    inspector.disconnect();
    await redis.stop();
  });

  test('a user created on one replica is visible on the other', async () => {
    const created = await clientA.createUser({ name: 'Across', email: uniqueEmail('across') });
    assert.deepEqual(await clientB.getUser(created.id), created);
    assert.ok((await clientB.listAllIds()).includes(created.id));
  });

  test('a watch on one replica receives a user created on the other', async () => {
    const watch = clientB.watchUsers(false);
    // Only B watches, so one subscribed connection means B's watch is live.
    await waitFor('replica B to subscribe', async () => ((await subscribedConnections()) === 1 ? true : undefined));
    const created = await clientA.createUser({ name: 'Watched across', email: uniqueEmail('watched-across') });
    await waitFor('the watch on B to receive the user', () => (watch.users.length > 0 ? true : undefined));
    assert.deepEqual(watch.users, [created]);
    watch.cancel();
    await watch.ended;
  });

  test('concurrent creates of one email through both replicas: exactly one succeeds', async () => {
    for (let round = 0; round < 5; round += 1) {
      const email = uniqueEmail('contested');
      const outcomes = await Promise.allSettled([
        clientA.createUser({ name: 'Through A', email }),
        clientB.createUser({ name: 'Through B', email: email.toUpperCase() }),
      ]);
      const succeeded = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const failed = outcomes.flatMap((outcome): unknown[] => (outcome.status === 'rejected' ? [outcome.reason] : []));
      assert.equal(succeeded.length, 1, `round ${round}: exactly one create succeeds`);
      assert.equal(failed.length, 1);
      assert.equal((failed[0] as grpc.ServiceError).code, grpc.status.ALREADY_EXISTS);
    }
  });

  test('a cancelled watch leaves no subscription behind', async () => {
    await clientA.createUser({ name: 'Seen by every watch', email: uniqueEmail('seen') });
    const watches = [clientA, clientA, clientB, clientB, clientB].map((client) => client.watchUsers(true));
    // A watch that has sent an existing user is in place on its replica (it
    // subscribes before reading). Cancelling earlier can race grpc-js: a call
    // cancelled right after it starts may never tell the server.
    await waitFor('every watch to start', () => (watches.every((watch) => watch.users.length > 0) ? true : undefined));
    // One subscriber connection per replica, however many watches it serves.
    assert.equal(await subscribedConnections(), 2);
    for (const watch of watches) watch.cancel();
    await Promise.all(watches.map((watch) => watch.ended));
    await waitFor('every subscription to be dropped', async () =>
      (await subscribedConnections()) === 0 ? true : undefined,
    );
  });

  test('watches that come and go faster than SUBSCRIBE completes leave no subscription behind', async () => {
    // Deadlines of a few milliseconds end these watches on the server while
    // their SUBSCRIBE or UNSUBSCRIBE is still in flight.
    const watches = Array.from({ length: 20 }, (_, n) => clientA.watchUsers(n % 2 === 0, 5 + (n % 10) * 3));
    await Promise.all(watches.map((watch) => watch.ended));
    await waitFor('every subscription to be dropped', async () =>
      (await subscribedConnections()) === 0 ? true : undefined,
    );
    // And a watch after all that still hears new users.
    const watch = clientA.watchUsers(false);
    await waitFor('replica A to subscribe again', async () =>
      (await subscribedConnections()) === 1 ? true : undefined,
    );
    const created = await clientB.createUser({ name: 'After churn', email: uniqueEmail('after-churn') });
    await waitFor('the new watch to receive the user', () => (watch.users.length > 0 ? true : undefined));
    assert.deepEqual(watch.users, [created]);
    watch.cancel();
    await watch.ended;
    await waitFor('the last subscription to be dropped', async () =>
      (await subscribedConnections()) === 0 ? true : undefined,
    );
  });
});
