// What a user replica does when Redis goes away and comes back.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { checkHealth, freePort, startService, waitFor, type ServiceProcess } from '@demo/platform/testing';
import { UserClient, uniqueEmail, userServiceEntry } from './user-client.js';

/**
 * A redis-server on a port of our choosing, so it can be stopped and started
 * again where the service expects it (the platform's startRedis picks a new port).
 */
async function startRedisOn(port: number): Promise<{ stop(): Promise<void> }> {
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
    async stop() {
      if (child.exitCode !== null) return;
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
});
