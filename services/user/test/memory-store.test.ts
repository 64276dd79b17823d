import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AlreadyExistsError, NotFoundError } from '@demo/platform';
import { MemoryUserStore } from '../src/memory-store.js';
import type { User } from '../src/users.js';

describe('the in-memory user store', () => {
  test('assigns increasing ids and finds users by id', async () => {
    const store = new MemoryUserStore();
    const [first, second] = await store.create([
      { name: 'Ada', email: 'ada@example.com' },
      { name: 'Grace', email: 'grace@example.com' },
    ]);
    assert.equal(first?.id, 1);
    assert.equal(second?.id, 2);
    assert.equal((await store.get(2)).name, 'Grace');
    await assert.rejects(store.get(3), NotFoundError);
  });

  test('creates a batch all or none when an email is taken or repeated', async () => {
    const store = new MemoryUserStore();
    await store.create([{ name: 'Ada', email: 'ada@example.com' }]);
    await assert.rejects(
      store.create([
        { name: 'New', email: 'new@example.com' },
        { name: 'Ada again', email: 'ADA@example.com' },
      ]),
      AlreadyExistsError,
    );
    await assert.rejects(
      store.create([
        { name: 'Twin', email: 'twin@example.com' },
        { name: 'Twin', email: 'Twin@example.com' },
      ]),
      AlreadyExistsError,
    );
    assert.equal((await store.list({ pageSize: 10, afterId: 0 })).total, 1);
  });

  test('lists the users after an id and says whether more follow', async () => {
    const store = new MemoryUserStore();
    await store.create([1, 2, 3, 4, 5].map((n) => ({ name: `U${n}`, email: `u${n}@example.com` })));
    const page = await store.list({ pageSize: 2, afterId: 2 });
    assert.deepEqual(
      page.users.map((user) => user.id),
      [3, 4],
    );
    assert.equal(page.total, 5);
    assert.equal(page.hasMore, true);
    assert.equal((await store.list({ pageSize: 2, afterId: 4 })).hasMore, false);
  });

  test('a watch sends existing users, then new ones, and ends when its signal aborts', async () => {
    const store = new MemoryUserStore();
    await store.create([{ name: 'Old', email: 'old@example.com' }]);
    const controller = new AbortController();
    const received: User[] = [];
    const watching = (async () => {
      for await (const user of store.watch(controller.signal, { includeExisting: true })) {
        received.push(user);
        if (received.length === 1) await store.create([{ name: 'New', email: 'new@example.com' }]);
        if (received.length === 2) controller.abort();
      }
    })();
    await watching;
    assert.deepEqual(
      received.map((user) => user.name),
      ['Old', 'New'],
    );
  });
});
