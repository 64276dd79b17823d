// The chart's Redis loses no user when it restarts: a real redis-server run
// with the very arguments the chart gives it, killed and started again on
// the same data directory, under a real user process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadProtos, unaryCall } from '@demo/platform';
import { checkHealth, startService } from '@demo/testkit/processes';
import { freePort } from '@demo/testkit/ports';
import { waitFor } from '@demo/testkit/wait';
import type { User__Output } from '@demo/platform/generated/demo/user/v1/User.js';
import { helmTemplate, objectKey, parseObjects } from '../src/cluster/manifests.js';
import { serviceEntry } from '@demo/testkit/entrypoints';

/** The redis-server arguments of the chart's Redis container. */
function chartRedisArgs(): string[] {
  const deployment = parseObjects(helmTemplate()).find((object) => objectKey(object) === 'Deployment/redis');
  const spec = deployment?.['spec'] as { template: { spec: { containers: { args: string[] }[] } } } | undefined;
  const args = spec?.template.spec.containers[0]?.args;
  assert.ok(args && args[0] === 'redis-server', 'the chart runs redis-server');
  return args.slice(1);
}

async function startRedis(args: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await waitFor('redis-server to accept connections', () => {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
    return output.includes('Ready to accept connections') ? true : undefined;
  });
  return child;
}

test('a Redis restart with the chart’s configuration keeps every user and the id counter: user 1 stays user 1', async () => {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'redis-data-'));
  // The chart's arguments, on loopback and a free port, with a scratch directory for its volume.
  const args = [
    ...chartRedisArgs().map((arg) => (arg === '/data' ? dataDir : arg)),
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
  ];
  let redis = await startRedis(args);
  const service = await startService({
    name: 'user-persistence',
    entry: serviceEntry.user,
    env: { REDIS_URL: `redis://127.0.0.1:${port}` },
  });
  const protos = loadProtos();
  const client = new protos.demo.user.v1.UserService(service.address, grpc.credentials.createInsecure());
  const deadline = () => new Date(Date.now() + 5000);
  const createUser = async (name: string, email: string) =>
    (
      await unaryCall<{ user: User__Output | null }>(
        (metadata, options, callback) => client.createUser({ name, email }, metadata, options, callback),
        { deadline: deadline() },
      )
    ).response.user;
  const getUser = async (id: string) =>
    (
      await unaryCall<{ user: User__Output | null }>(
        (metadata, options, callback) => client.getUser({ id }, metadata, options, callback),
        { deadline: deadline() },
      )
    ).response.user;
  try {
    const ada = await createUser('Ada Lovelace', 'ada@example.com');
    const grace = await createUser('Grace Hopper', 'grace@example.com');
    assert.deepEqual([ada?.id, grace?.id], ['1', '2']);

    // A crash, not a shutdown: no chance to write anything on the way out.
    redis.kill('SIGKILL');
    await once(redis, 'exit');
    await waitFor('NOT_SERVING while Redis is gone', async () =>
      (await checkHealth(service.address)) === 'NOT_SERVING' ? true : undefined,
    );
    redis = await startRedis(args);
    await waitFor('SERVING once Redis is back', async () =>
      (await checkHealth(service.address)) === 'SERVING' ? true : undefined,
    );

    assert.deepEqual(await getUser('1'), ada);
    assert.deepEqual(await getUser('2'), grace);
    const next = await createUser('Barbara Liskov', 'barbara@example.com');
    assert.equal(next?.id, '3', 'the id counter came back too');
    await assert.rejects(createUser('Ada again', 'ADA@example.com'), { code: grpc.status.ALREADY_EXISTS });
  } finally {
    client.close();
    await service.stop();
    redis.kill('SIGTERM');
  }
});
