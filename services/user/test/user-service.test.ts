// Every RPC over real gRPC against a real user process, once with the
// in-memory store and once with a real Redis: both stores keep one contract.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { startRedis, type RedisProcess } from '@demo/testkit/redis';
import { startService, type ServiceProcess } from '@demo/testkit/processes';
import { waitFor } from '@demo/testkit/wait';
import { UserClient, uniqueEmail, userServiceEntry } from './user-client.js';

for (const backend of ['memory', 'redis'] as const) {
  describe(`UserService with the ${backend} store`, () => {
    let redis: RedisProcess | undefined;
    let service: ServiceProcess;
    let client: UserClient;

    before(async () => {
      redis = backend === 'redis' ? await startRedis() : undefined;
      service = await startService({
        name: `user-${backend}`,
        entry: userServiceEntry,
        env: redis ? { REDIS_URL: redis.url } : {},
      });
      client = new UserClient(service.address);
    });

    after(async () => {
      client.close();
      await service.stop();
      await redis?.stop();
    });

    test('CreateUser returns the new user: an id, the trimmed name, active, stamped now', async () => {
      const email = uniqueEmail('create');
      const requestedAt = Date.now();
      const user = await client.createUser({ name: '  Ada Lovelace  ', email });
      assert.match(user.id, /^[1-9]\d*$/);
      assert.equal(user.name, 'Ada Lovelace');
      assert.equal(user.email, email);
      assert.equal(user.status, 'USER_STATUS_ACTIVE');
      const createdMs = Number(user.createTime?.seconds) * 1000 + (user.createTime?.nanos ?? 0) / 1e6;
      assert.ok(Math.abs(createdMs - requestedAt) < 60_000, `create time ${createdMs} is near ${requestedAt}`);
    });

    test('GetUser returns a created user', async () => {
      const created = await client.createUser({ name: 'Grace Hopper', email: uniqueEmail('get') });
      assert.deepEqual(await client.getUser(created.id), created);
    });

    test('GetUser of an id nobody has is NOT_FOUND', async () => {
      await assert.rejects(client.getUser('999999'), { code: grpc.status.NOT_FOUND });
    });

    test('GetUser with id 0 or a negative id is INVALID_ARGUMENT', async () => {
      await assert.rejects(client.getUser('0'), { code: grpc.status.INVALID_ARGUMENT });
      await assert.rejects(client.getUser('-3'), { code: grpc.status.INVALID_ARGUMENT });
    });

    test('CreateUser with an empty or oversized name, or an oversized or malformed email, is INVALID_ARGUMENT', async () => {
      const invalid = [
        { name: '', email: uniqueEmail('empty-name') },
        { name: '   ', email: uniqueEmail('blank-name') },
        { name: 'n'.repeat(101), email: uniqueEmail('long-name') },
        { name: 'Long Email', email: `${'a'.repeat(250)}@example.com` },
        { name: 'Malformed', email: 'not-an-email' },
      ];
      for (const request of invalid) {
        await assert.rejects(client.createUser(request), { code: grpc.status.INVALID_ARGUMENT }, request.name);
      }
    });

    test('CreateUser with an email already taken, in any letter case, is ALREADY_EXISTS', async () => {
      const email = uniqueEmail('taken');
      await client.createUser({ name: 'First', email });
      await assert.rejects(client.createUser({ name: 'Second', email: email.toUpperCase() }), {
        code: grpc.status.ALREADY_EXISTS,
        details: /is taken/,
      });
    });

    test('ListUsers pages through every user in creation order, with the total on every page', async () => {
      for (let n = 0; n < 7; n += 1) await client.createUser({ name: `Paged ${n}`, email: uniqueEmail('paged') });
      const { totalCount } = await client.listUsers({ pageSize: 1, pageToken: '' });
      const pages: string[][] = [];
      let pageToken = '';
      for (let page = 0; page < 100; page += 1) {
        const response = await client.listUsers({ pageSize: 3, pageToken });
        assert.equal(response.totalCount, totalCount);
        pages.push(response.users.map((user) => user.id));
        if (response.nextPageToken === '') break;
        pageToken = response.nextPageToken;
      }
      const ids = pages.flat();
      assert.equal(ids.length, totalCount);
      assert.ok(totalCount >= 7);
      assert.ok(
        pages.slice(0, -1).every((page) => page.length === 3),
        'every page but the last is full',
      );
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => Number(a) - Number(b)),
        'ids ascend',
      );
      assert.equal(new Set(ids).size, ids.length, 'no user twice');
    });

    test('ListUsers paging is stable: a user created while paging comes after the pages already read', async () => {
      for (let n = 0; n < 4; n += 1) await client.createUser({ name: `Stable ${n}`, email: uniqueEmail('stable') });
      const first = await client.listUsers({ pageSize: 2, pageToken: '' });
      const added = await client.createUser({ name: 'Added while paging', email: uniqueEmail('stable') });
      const read = first.users.map((user) => user.id);
      let pageToken = first.nextPageToken;
      for (let page = 0; pageToken !== '' && page < 1000; page += 1) {
        const response = await client.listUsers({ pageSize: 50, pageToken });
        read.push(...response.users.map((user) => user.id));
        pageToken = response.nextPageToken;
      }
      assert.deepEqual(read, await client.listAllIds(), 'nothing skipped, nothing repeated');
      assert.equal(read.at(-1), added.id);
    });

    test('ListUsers with page_size 0 returns the default page of 20', async () => {
      await client.batchCreateUsers(
        Array.from({ length: 21 }, (_, n) => ({ name: `Default page ${n}`, email: uniqueEmail('default-page') })),
      );
      const response = await client.listUsers({ pageSize: 0, pageToken: '' });
      assert.equal(response.users.length, 20);
      assert.notEqual(response.nextPageToken, '');
    });

    test('ListUsers with page_size -1 or 101, or a garbage page_token, is INVALID_ARGUMENT', async () => {
      await assert.rejects(client.listUsers({ pageSize: -1 }), { code: grpc.status.INVALID_ARGUMENT });
      await assert.rejects(client.listUsers({ pageSize: 101 }), { code: grpc.status.INVALID_ARGUMENT });
      await assert.rejects(client.listUsers({ pageSize: 10, pageToken: 'garbage!' }), {
        code: grpc.status.INVALID_ARGUMENT,
      });
    });

    test('BatchCreateUsers creates every user the client streams', async () => {
      const requests = [1, 2, 3].map((n) => ({ name: `Batch ${n}`, email: uniqueEmail('batch') }));
      const response = await client.batchCreateUsers(requests);
      assert.equal(response.createdCount, 3);
      assert.deepEqual(
        response.users.map((user) => user.email),
        requests.map((request) => request.email),
      );
      for (const user of response.users) assert.deepEqual(await client.getUser(user.id), user);
    });

    test('BatchCreateUsers with an empty stream creates nothing', async () => {
      const { totalCount } = await client.listUsers({ pageSize: 1 });
      const response = await client.batchCreateUsers([]);
      assert.equal(response.createdCount, 0);
      assert.deepEqual(response.users, []);
      assert.equal((await client.listUsers({ pageSize: 1 })).totalCount, totalCount);
    });

    test('BatchCreateUsers with one invalid entry creates no user of the batch', async () => {
      const { totalCount } = await client.listUsers({ pageSize: 1 });
      const good = uniqueEmail('batch-good');
      await assert.rejects(
        client.batchCreateUsers([
          { name: 'Good', email: good },
          { name: 'Bad', email: 'not-an-email' },
        ]),
        { code: grpc.status.INVALID_ARGUMENT, details: /user 2/ },
      );
      assert.equal((await client.listUsers({ pageSize: 1 })).totalCount, totalCount);
    });

    test('BatchCreateUsers with one taken email, or one email twice, creates no user of the batch', async () => {
      const taken = uniqueEmail('batch-taken');
      await client.createUser({ name: 'Owner', email: taken });
      const { totalCount } = await client.listUsers({ pageSize: 1 });
      await assert.rejects(
        client.batchCreateUsers([
          { name: 'New', email: uniqueEmail('batch-new') },
          { name: 'Clash', email: taken.toUpperCase() },
        ]),
        { code: grpc.status.ALREADY_EXISTS },
      );
      const twice = uniqueEmail('batch-twice');
      await assert.rejects(
        client.batchCreateUsers([
          { name: 'Once', email: twice },
          { name: 'Twice', email: twice },
        ]),
        { code: grpc.status.ALREADY_EXISTS },
      );
      assert.equal((await client.listUsers({ pageSize: 1 })).totalCount, totalCount);
    });

    test('WatchUsers streams the users created after it starts, in order', async () => {
      const watch = client.watchUsers(false);
      const created: string[] = [];
      // The client cannot tell when the server has the watch in place, so keep
      // creating users until one arrives; the ones before that were not watched yet.
      await waitFor('the watch to receive a user created after it started', async () => {
        created.push((await client.createUser({ name: 'Watched', email: uniqueEmail('watched') })).id);
        return watch.users.length > 0 ? true : undefined;
      });
      for (let n = 0; n < 3; n += 1) {
        created.push((await client.createUser({ name: `Watched ${n}`, email: uniqueEmail('watched') })).id);
      }
      await waitFor('the watch to receive the later users', () =>
        watch.users.at(-1)?.id === created.at(-1) ? true : undefined,
      );
      const received = watch.users.map((user) => user.id);
      assert.deepEqual(received, created.slice(created.length - received.length));
      watch.cancel();
      assert.equal((await watch.ended).code, grpc.status.CANCELLED);
    });

    test('WatchUsers with include_existing sends every existing user, then new ones, each exactly once', async () => {
      // More than one page of existing users (the Redis store reads them 100 at a time).
      await client.batchCreateUsers(
        Array.from({ length: 110 }, (_, n) => ({ name: `Existing ${n}`, email: uniqueEmail('existing') })),
      );
      const watch = client.watchUsers(true);
      // Created while the watch starts: each lands in the existing pages or the
      // live feed, and must be sent once either way.
      await Promise.all(
        Array.from({ length: 5 }, (_, n) => client.createUser({ name: `Racing ${n}`, email: uniqueEmail('racing') })),
      );
      const allIds = await client.listAllIds();
      await waitFor('the watch to send every user', () => (watch.users.length >= allIds.length ? true : undefined));
      const live = await client.createUser({ name: 'Live', email: uniqueEmail('live') });
      await waitFor('the watch to send the live user', () => (watch.users.at(-1)?.id === live.id ? true : undefined));
      assert.deepEqual(
        watch.users.map((user) => user.id),
        [...allIds, live.id],
      );
      watch.cancel();
      await watch.ended;
    });

    test('CreateUser retried with the same request_id returns the first user and creates nothing twice', async () => {
      const requestId = `create-${crypto.randomUUID()}`;
      const request = { name: 'Retried', email: uniqueEmail('retried'), requestId };
      const before = (await client.listUsers({ pageSize: 1, pageToken: '' })).totalCount;
      const first = await client.createUser(request);
      const again = await client.createUser(request);
      assert.deepEqual(again, first);
      assert.equal((await client.listUsers({ pageSize: 1, pageToken: '' })).totalCount, before + 1);
      // Without the id the same request is a second create, which the taken email refuses.
      await assert.rejects(client.createUser({ ...request, requestId: '' }), { code: grpc.status.ALREADY_EXISTS });
      // The id names one request: another user under it is a client bug.
      await assert.rejects(client.createUser({ ...request, email: uniqueEmail('other') }), {
        code: grpc.status.INVALID_ARGUMENT,
        details: /request_id was already used/,
      });
      for (const bad of ['x'.repeat(65), 'has space', 'tab\there']) {
        await assert.rejects(client.createUser({ name: 'Bad id', email: uniqueEmail('bad-id'), requestId: bad }), {
          code: grpc.status.INVALID_ARGUMENT,
        });
      }
    });

    test('BatchCreateUsers retried with the same request_id returns the first users and creates nothing twice', async () => {
      const requestId = crypto.randomUUID();
      const batch = [1, 2, 3].map((n) => ({ name: `Batch ${n}`, email: uniqueEmail('batch-retried') }));
      const before = (await client.listUsers({ pageSize: 1, pageToken: '' })).totalCount;
      // The id on the first message only, then on every message: the same request.
      const first = await client.batchCreateUsers(
        batch.map((user, i) => ({ ...user, requestId: i === 0 ? requestId : '' })),
      );
      const again = await client.batchCreateUsers(batch.map((user) => ({ ...user, requestId })));
      assert.equal(first.createdCount, 3);
      assert.deepEqual(again, first);
      assert.equal((await client.listUsers({ pageSize: 1, pageToken: '' })).totalCount, before + 3);
      await assert.rejects(
        client.batchCreateUsers([
          { name: 'A', email: uniqueEmail('two-ids'), requestId: 'one' },
          { name: 'B', email: uniqueEmail('two-ids'), requestId: 'two' },
        ]),
        { code: grpc.status.INVALID_ARGUMENT, details: /every request_id of a batch/ },
      );
    });

    test('WatchUsers with resume_after_id sends the users after that id, then new ones, each exactly once', async () => {
      const [a, b, c] = (
        await client.batchCreateUsers([1, 2, 3].map((n) => ({ name: `Resume ${n}`, email: uniqueEmail('resume') })))
      ).users;
      assert.ok(a && b && c);
      const watch = client.watchUsers(false, undefined, a.id);
      await waitFor('the watch to resume', () => (watch.users.some((user) => user.id === c.id) ? true : undefined));
      const live = await client.createUser({ name: 'Resume live', email: uniqueEmail('resume-live') });
      await waitFor('the live user', () => (watch.users.at(-1)?.id === live.id ? true : undefined));
      watch.cancel();
      await watch.ended;
      const ids = watch.users.map((user) => user.id);
      assert.equal(new Set(ids).size, ids.length, 'no user twice');
      assert.ok(!ids.includes(a.id), 'nothing at or before the resume point');
      assert.deepEqual(ids.slice(ids.indexOf(b.id)), [b.id, c.id, live.id]);
      assert.deepEqual(
        ids,
        [...ids].sort((x, y) => Number(x) - Number(y)),
      );
    });

    test('WatchUsers resuming after the newest user is OUT_OF_RANGE; after the newest itself it waits for new ones', async () => {
      const newest = await client.createUser({ name: 'Newest', email: uniqueEmail('newest') });
      for (const beyond of [String(Number(newest.id) + 1), '9007199254740993', '9223372036854775807']) {
        const watch = client.watchUsers(false, undefined, beyond);
        const ended = await watch.ended;
        assert.equal(ended.code, grpc.status.OUT_OF_RANGE, beyond);
        assert.equal(
          ended.details,
          `resume_after_id ${beyond} is past the newest user: resume after the id of a user received, or from 0`,
        );
        assert.deepEqual(watch.users, []);
      }
      for (const bad of ['-1', '-9223372036854775808']) {
        const ended = await client.watchUsers(false, undefined, bad).ended;
        assert.equal(ended.code, grpc.status.INVALID_ARGUMENT, bad);
      }
      const watch = client.watchUsers(false, undefined, newest.id);
      const next = await waitFor('a user created after the resume point', async () => {
        const created = await client.createUser({ name: 'After newest', email: uniqueEmail('after-newest') });
        return watch.users.some((user) => user.id === created.id) ? created : undefined;
      });
      assert.ok(!watch.users.some((user) => user.id === newest.id), 'the resume point itself is not sent again');
      assert.ok(Number(next.id) > Number(newest.id));
      watch.cancel();
      assert.equal((await watch.ended).code, grpc.status.CANCELLED);
    });

    test('CreateUser with a control character in the email or a bidirectional override in the name is INVALID_ARGUMENT', async () => {
      const { totalCount } = await client.listUsers({ pageSize: 1 });
      const refused = [
        {
          name: 'Nul',
          email: `nul\u0000${uniqueEmail('x')}`,
          details: /^email must not contain .*: U\+0000 at position 4$/,
        },
        { name: 'Rlo', email: `${uniqueEmail('rlo')}\u202E`, details: /^email must not contain .*: U\+202E/ },
        { name: 'Isolate', email: `iso\u2066${uniqueEmail('x')}`, details: /^email must not contain .*: U\+2066/ },
        { name: 'evil\u202Egnp.exe', email: uniqueEmail('name-rlo'), details: /^name must not contain .*: U\+202E/ },
        { name: 'Ada\u2067', email: uniqueEmail('name-rli'), details: /^name must not contain .*: U\+2067/ },
      ];
      for (const { name, email, details } of refused) {
        await assert.rejects(client.createUser({ name, email }), { code: grpc.status.INVALID_ARGUMENT, details });
      }
      // A batch carrying one such entry creates none of its users.
      await assert.rejects(
        client.batchCreateUsers([
          { name: 'Fine', email: uniqueEmail('batch-fine') },
          { name: 'Also fine', email: uniqueEmail('batch-fine') },
          { name: 'Ada\u202D', email: uniqueEmail('batch-lro') },
        ]),
        { code: grpc.status.INVALID_ARGUMENT, details: /^user 3: name must not contain .*: U\+202D at position 4$/ },
      );
      assert.equal((await client.listUsers({ pageSize: 1 })).totalCount, totalCount, 'nothing was created');
    });

    test('a request that is not valid protobuf is INTERNAL and the server keeps serving', async () => {
      const error = await new Promise<grpc.ServiceError | null>((resolve) => {
        client.raw.makeUnaryRequest(
          '/demo.user.v1.UserService/CreateUser',
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          Buffer.from([0xff, 0xff, 0xff]),
          { deadline: Date.now() + 5000 },
          (callError) => resolve(callError),
        );
      });
      assert.equal(error?.code, grpc.status.INTERNAL);
      const user = await client.createUser({ name: 'After garbage', email: uniqueEmail('after-garbage') });
      assert.equal((await client.getUser(user.id)).email, user.email);
    });
  });
}
