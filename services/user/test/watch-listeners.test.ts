// However a watch ends, it leaves nothing behind: no listener on the signal
// it was given, no feed in the store.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startRedis, type RedisProcess } from '@demo/testkit/redis';
import { waitFor } from '@demo/testkit/wait';
import { MemoryUserStore } from '../src/memory-store.js';
import { RedisUserStore } from '../src/redis-store.js';
import { maxBufferedUsers } from '../src/user-feed.js';
import { uniqueEmail } from './user-client.js';

type Store = MemoryUserStore | RedisUserStore;

for (const backend of ['memory', 'redis'] as const) {
  describe(`a watch on the ${backend} store`, () => {
    let redis: RedisProcess | undefined;
    let store: Store;
    before(async () => {
      if (backend === 'memory') {
        store = new MemoryUserStore();
        return;
      }
      redis = await startRedis();
      let ready = false;
      store = new RedisUserStore({
        url: redis.url,
        logger: pino({ level: 'silent' }),
        onReadinessChange: (value) => (ready = value),
        commandTimeoutMs: 1000,
        maxInFlightCommands: 100,
        maxQueuedCommands: 100,
      });
      await waitFor('redis to be ready', () => (ready ? true : undefined));
    });
    after(async () => {
      await store.close();
      await redis?.stop();
    });

    const create = (label: string) => store.create([{ name: label, email: uniqueEmail(label) }]);
    const leftNothing = (signal: AbortSignal) => {
      assert.equal(getEventListeners(signal, 'abort').length, 0, 'a listener is left on the signal');
      assert.equal(store.openWatches, 0, 'a feed is left in the store');
    };

    test('cancelled while it waits for a user: no listener, no feed', async () => {
      await create('cancel');
      const controller = new AbortController();
      const received: number[] = [];
      const done = (async () => {
        for await (const user of store.watch(controller.signal, { includeExisting: true })) received.push(user.id);
      })();
      await waitFor('the existing users', () => (received.length > 0 ? true : undefined));
      controller.abort();
      await done;
      leftNothing(controller.signal);
    });

    test('left by its consumer (break): no listener, no feed', async () => {
      await create('break');
      const controller = new AbortController();
      for await (const user of store.watch(controller.signal, { includeExisting: true })) {
        assert.ok(user.id > 0);
        break;
      }
      leftNothing(controller.signal);
    });

    test('failed by the store: no listener, no feed', async () => {
      await create('first');
      const controller = new AbortController();
      const watch = store.watch(controller.signal, { includeExisting: true })[Symbol.asyncIterator]();
      // An existing user has arrived, so the watch is subscribed (it subscribes before reading them).
      await watch.next();
      let failure: RegExp;
      if (redis) {
        // The store loses its event subscription: the watch would miss users, so it fails.
        const admin = new Redis(redis.url, { maxRetriesPerRequest: 0 });
        try {
          await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
        } finally {
          admin.disconnect();
        }
        failure = /lost the user event subscription/;
      } else {
        // The consumer stops pulling while more users arrive than a feed holds.
        for (let created = 0; created <= maxBufferedUsers; created += 1000) {
          await store.create(
            Array.from({ length: 1000 }, (_, i) => ({ name: `Flood ${i}`, email: uniqueEmail('flood') })),
          );
        }
        failure = /fell too far behind/;
      }
      await assert.rejects(
        (async () => {
          for (let result = await watch.next(); result.done !== true; result = await watch.next());
        })(),
        failure,
      );
      leftNothing(controller.signal);
    });
  });
}
