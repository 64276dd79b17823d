// What a user replica does when Redis goes away and comes back.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { checkHealth, startService, type ServiceProcess } from '@demo/testkit/processes';
import { freePort } from '@demo/testkit/ports';
import { waitFor } from '@demo/testkit/wait';
import { UserClient, uniqueEmail, userServiceEntry } from './user-client.js';

/**
 * A redis-server on a port of our choosing, so it can be stopped and started
 * again where the service expects it (the platform's startRedis picks a new port).
 */
async function startRedisOn(port: number): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: mkdtempSync(join(tmpdir(), 'redis-')), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit');
  await waitFor('redis-server to accept connections', () => {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
    return output.includes('Ready to accept connections') ? true : undefined;
  });
  return {
    child,
    async stop() {
      if (child.exitCode !== null) return;
      // A stopped process cannot act on SIGTERM until it continues.
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('a user replica when Redis goes away', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('reports NOT_SERVING while Redis is down, ends open watches, and serves again once Redis is back', async () => {
    const port = await freePort();
    let redis = await startRedisOn(port);
    cleanups.push(() => redis.stop());
    const service: ServiceProcess = await startService({
      name: 'user-outage',
      entry: userServiceEntry,
      env: { REDIS_URL: `redis://127.0.0.1:${port}` },
    });
    cleanups.push(async () => {
      await service.stop();
    });
    const client = new UserClient(service.address);
    cleanups.push(() => client.close());

    // A watch that has sent an existing user is subscribed (it subscribes before reading).
    await client.createUser({ name: 'Before outage', email: uniqueEmail('before-outage') });
    const watch = client.watchUsers(true);
    await waitFor('the watch to start', () => (watch.users.length === 1 ? true : undefined));

    await redis.stop();
    await waitFor('NOT_SERVING', async () =>
      (await checkHealth(service.address)) === 'NOT_SERVING' ? true : undefined,
    );
    assert.equal((await watch.ended).code, grpc.status.UNAVAILABLE, 'the watch would miss users, so it ends');
    await assert.rejects(client.createUser({ name: 'During outage', email: uniqueEmail('during-outage') }), {
      code: grpc.status.UNAVAILABLE,
    });

    redis = await startRedisOn(port);
    await waitFor('SERVING again', async () => ((await checkHealth(service.address)) === 'SERVING' ? true : undefined));
    const afterOutage = await client.createUser({ name: 'After outage', email: uniqueEmail('after-outage') });
    assert.equal((await client.getUser(afterOutage.id)).name, 'After outage');
    const newWatch = client.watchUsers(true);
    await waitFor('a new watch to send the existing user', () => (newWatch.users.length === 1 ? true : undefined));
    const live = await client.createUser({ name: 'Live after outage', email: uniqueEmail('live-after-outage') });
    await waitFor('the new watch to hear a new user', () => (newWatch.users.at(-1)?.id === live.id ? true : undefined));
    newWatch.cancel();
    await newWatch.ended;
  });

  test('a Redis that stops answering: UNAVAILABLE within the deadline, NOT_SERVING, a bounded queue, nothing sent late', async () => {
    const port = await freePort();
    const redis = await startRedisOn(port);
    cleanups.push(() => redis.stop());
    const maxInFlight = 8;
    const service = await startService({
      name: 'user-stall',
      entry: userServiceEntry,
      env: {
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_COMMAND_TIMEOUT_MS: '300',
        REDIS_MAX_IN_FLIGHT_COMMANDS: String(maxInFlight),
        REDIS_MAX_QUEUED_COMMANDS: '8',
      },
    });
    cleanups.push(async () => {
      await service.stop();
    });
    const client = new UserClient(service.address);
    cleanups.push(() => client.close());
    const observer = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0 });
    cleanups.push(() => observer.disconnect());
    await observer.connect();
    /** How many HGETs (GetUser) this Redis has run. */
    const hgetsRun = async () => Number(/cmdstat_hget:calls=(\d+)/.exec(await observer.info('commandstats'))?.[1] ?? 0);
    const getUser = (id: string, deadlineMs: number) =>
      new Promise<{ code: grpc.status; tookMs: number }>((resolve) => {
        const startedAt = Date.now();
        client.raw.getUser({ id }, { deadline: Date.now() + deadlineMs }, (error) =>
          resolve({ code: error?.code ?? grpc.status.OK, tookMs: Date.now() - startedAt }),
        );
      });

    const user = await client.createUser({ name: 'Before the stall', email: uniqueEmail('stall') });
    assert.equal((await getUser(user.id, 2000)).code, grpc.status.OK);
    const hgetsBefore = await hgetsRun();

    redis.child.kill('SIGSTOP');
    // The connection stays up: only the answers stop. A deadline shorter
    // than the command timeout is beaten too, and callers in a hurry say
    // nothing about Redis: they do not take the replica out of rotation.
    const hurried = await Promise.all(Array.from({ length: 5 }, () => getUser(user.id, 200)));
    for (const outcome of hurried) {
      assert.equal(outcome.code, grpc.status.UNAVAILABLE, `a 200 ms deadline: ${grpc.status[outcome.code]}`);
    }
    assert.equal(await checkHealth(service.address), 'SERVING');
    const stalled = await Promise.all([getUser(user.id, 2000), getUser(user.id, 2000), getUser(user.id, 2000)]);
    for (const outcome of stalled) {
      assert.equal(outcome.code, grpc.status.UNAVAILABLE);
      assert.ok(outcome.tookMs < 1000, `UNAVAILABLE after ${outcome.tookMs} ms of a 2000 ms deadline`);
    }
    await waitFor('NOT_SERVING after repeated timeouts', async () =>
      (await checkHealth(service.address)) === 'NOT_SERVING' ? true : undefined,
    );

    // Every in-flight slot is held by a command Redis has not answered; a
    // create now waits for a slot until its time is up, and is never sent.
    // (The slots are still held by the unanswered calls above; these wait, and give up unsent.)
    const fillers = await Promise.all(Array.from({ length: maxInFlight }, () => getUser(user.id, 5000)));
    assert.ok(fillers.every((outcome) => outcome.code === grpc.status.UNAVAILABLE));
    const lateEmail = uniqueEmail('never-sent');
    await assert.rejects(client.createUser({ name: 'Never sent', email: lateEmail }), {
      code: grpc.status.UNAVAILABLE,
    });
    // A flood beyond the queue is refused at once.
    const flood = await Promise.all(Array.from({ length: 200 }, () => getUser(user.id, 5000)));
    assert.ok(flood.every((outcome) => outcome.code === grpc.status.UNAVAILABLE));
    assert.ok(Math.max(...flood.map((outcome) => outcome.tookMs)) < 1000);

    redis.child.kill('SIGCONT');
    await waitFor('SERVING once Redis answers again', async () =>
      (await checkHealth(service.address)) === 'SERVING' ? true : undefined,
    );
    // Every call but those holding a slot was refused before it was sent.
    const hgetsDuringStall = (await hgetsRun()) - hgetsBefore;
    assert.ok(hgetsDuringStall <= maxInFlight, `${hgetsDuringStall} GetUser commands reached Redis for 216 calls`);
    // The create that waited was never sent: its email is still free.
    const created = await client.createUser({ name: 'Sent now', email: lateEmail });
    assert.equal((await client.getUser(created.id)).name, 'Sent now');
    console.log(`during the stall: ${hgetsDuringStall} of 216 GetUser calls reached Redis`);
  });

  test('creates under a frozen Redis are told truthfully: UNAVAILABLE ones never happen, DEADLINE_EXCEEDED ones are retried safely by request_id', async () => {
    const port = await freePort();
    const redis = await startRedisOn(port);
    cleanups.push(() => redis.stop());
    const commandTimeoutMs = 300;
    const service = await startService({
      name: 'user-freeze',
      entry: userServiceEntry,
      env: {
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_COMMAND_TIMEOUT_MS: String(commandTimeoutMs),
        REDIS_MAX_IN_FLIGHT_COMMANDS: '4',
        REDIS_MAX_QUEUED_COMMANDS: '4',
      },
    });
    cleanups.push(async () => {
      await service.stop();
    });
    const client = new UserClient(service.address);
    cleanups.push(() => client.close());
    type Outcome = { email: string; requestId: string; code: grpc.status; details: string };
    const create = (email: string, requestId: string) =>
      new Promise<Outcome>((resolve) => {
        client.raw.createUser({ name: 'Steady', email, requestId }, { deadline: Date.now() + 3000 }, (error) =>
          resolve({ email, requestId, code: error?.code ?? grpc.status.OK, details: error?.details ?? '' }),
        );
      });

    // A steady stream of creates, every other one with a request id; Redis
    // frozen for three command timeouts in the middle of it, then thawed.
    const calls: Promise<Outcome>[] = [];
    const intervalMs = 25;
    const freezeAt = 10;
    const thawAt = freezeAt + Math.ceil((3 * commandTimeoutMs) / intervalMs);
    for (let i = 0; i < thawAt + 10; i += 1) {
      if (i === freezeAt) redis.child.kill('SIGSTOP');
      if (i === thawAt) redis.child.kill('SIGCONT');
      calls.push(create(uniqueEmail('steady'), i % 2 === 0 ? `steady-${process.pid}-${i}` : ''));
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    const outcomes = await Promise.all(calls);
    const byCode = (code: grpc.status) => outcomes.filter((outcome) => outcome.code === code);
    const unknown = byCode(grpc.status.DEADLINE_EXCEEDED);
    const refused = byCode(grpc.status.UNAVAILABLE);
    const codes = outcomes.map((outcome) => grpc.status[outcome.code]);
    assert.ok(unknown.length > 0, `no create reached the frozen Redis: ${codes.join(' ')}`);
    assert.ok(refused.length > 0, `no create was refused unsent: ${codes.join(' ')}`);
    assert.deepEqual(
      outcomes.filter(
        (outcome) => ![grpc.status.OK, grpc.status.DEADLINE_EXCEEDED, grpc.status.UNAVAILABLE].includes(outcome.code),
      ),
      [],
    );
    for (const outcome of unknown) assert.match(outcome.details, /may or may not have been applied.*request_id/);

    await waitFor('SERVING once Redis answers again', async () =>
      (await checkHealth(service.address)) === 'SERVING' ? true : undefined,
    );
    // A create of unknown outcome, retried with its request id: the first answer, or the create now; never two users.
    for (const outcome of unknown.filter((o) => o.requestId !== '')) {
      const retried = await create(outcome.email, outcome.requestId);
      assert.equal(retried.code, grpc.status.OK, `retry of ${outcome.requestId}: ${retried.details}`);
    }
    const stored: string[] = [];
    for (let pageToken = '', page = 0; page < 100; page += 1) {
      const response = await client.listUsers({ pageSize: 100, pageToken });
      stored.push(...response.users.map((user) => user.email));
      pageToken = response.nextPageToken;
      if (pageToken === '') break;
    }
    const count = (email: string) => stored.filter((stored) => stored === email).length;
    for (const outcome of byCode(grpc.status.OK)) assert.equal(count(outcome.email), 1, `${outcome.email} answered OK`);
    for (const outcome of refused) assert.equal(count(outcome.email), 0, `${outcome.email} answered UNAVAILABLE`);
    for (const outcome of unknown) {
      // Settled by its retry: exactly one user. Without a request id: there or not, never twice.
      if (outcome.requestId !== '') assert.equal(count(outcome.email), 1, `${outcome.email} retried`);
      else assert.ok(count(outcome.email) <= 1, `${outcome.email} stored ${count(outcome.email)} times`);
    }
    // The case UNAVAILABLE used to hide: creates the frozen Redis applied when it thawed.
    const appliedLater = unknown.filter((outcome) => outcome.requestId === '' && count(outcome.email) === 1);
    console.log(
      `${outcomes.length} creates: ${byCode(grpc.status.OK).length} OK, ${unknown.length} DEADLINE_EXCEEDED ` +
        `(${appliedLater.length} without a request id applied after the thaw), ${refused.length} UNAVAILABLE and absent`,
    );
  });
});
