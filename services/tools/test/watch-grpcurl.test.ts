// The README's watch, run as written with grpcurl, keeps running across many
// connection ages: grpcurl does not reconnect, so a server that cut running
// streams at age plus grace would end it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProtos, unaryCall } from '@demo/platform';
import { startService, waitFor } from '@demo/platform/testing';
import type { User__Output } from '@demo/platform/generated/demo/user/v1/User.js';
import { serviceEntry } from '../src/entrypoints.js';

const grpcurl = fileURLToPath(new URL('../../../../.tools/bin/grpcurl', import.meta.url));

test('the README’s grpcurl WatchUsers keeps running across many connection ages and shows every user once', async () => {
  assert.ok(existsSync(grpcurl), 'grpcurl is missing: run make install');
  const service = await startService({
    name: 'user-watch-grpcurl',
    entry: serviceEntry.user,
    env: { MAX_CONNECTION_AGE_MS: '500' },
  });
  const protos = loadProtos();
  const client = new protos.demo.user.v1.UserService(service.address, grpc.credentials.createInsecure());
  const watch = spawn(
    grpcurl,
    ['-plaintext', '-d', '{"include_existing": true}', service.address, 'demo.user.v1.UserService/WatchUsers'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  watch.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  watch.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(watch, 'exit');
  const shown = () => [...output.matchAll(/"email": "([^"]+)"/g)].map((match) => match[1]);
  try {
    const emails: string[] = [];
    // Past the age plus the 10 s grace the server used to give before cutting the connection.
    const runUntil = Date.now() + 12_000;
    for (let i = 0; Date.now() < runUntil && i < 200; i += 1) {
      const email = `watcher-${i}@example.com`;
      await unaryCall<{ user: User__Output | null }>(
        (metadata, options, callback) =>
          client.createUser({ name: `Watched ${i}`, email }, metadata, options, callback),
        { deadline: new Date(Date.now() + 5000) },
      );
      emails.push(email);
      await new Promise((resolve) => setTimeout(resolve, 250));
      assert.equal(watch.exitCode, null, `grpcurl exited:\n${output}`);
    }
    await waitFor('grpcurl to show every user', () => (shown().length >= emails.length ? true : undefined));
    assert.deepEqual(shown(), emails);
  } finally {
    watch.kill('SIGINT');
    await exited;
    client.close();
    await service.stop();
  }
});
