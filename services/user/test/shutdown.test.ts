// Graceful shutdown of a user process with a watch open.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { startService } from '@demo/testkit/processes';
import { waitFor } from '@demo/testkit/wait';
import { UserClient, uniqueEmail, userServiceEntry } from './user-client.js';

describe('shutting a user process down', () => {
  test('SIGTERM ends an open watch with UNAVAILABLE and the process exits 0 within the grace period', async () => {
    const graceMs = 5000;
    const service = await startService({
      name: 'user-shutdown',
      entry: userServiceEntry,
      env: { SHUTDOWN_GRACE_MS: String(graceMs) },
    });
    const client = new UserClient(service.address);
    try {
      await client.createUser({ name: 'Existing', email: uniqueEmail('shutdown') });
      const watch = client.watchUsers(true);
      await waitFor('the watch to start', () => (watch.users.length === 1 ? true : undefined));

      const signalledAt = Date.now();
      const exitCode = await service.stop('SIGTERM');
      const tookMs = Date.now() - signalledAt;

      assert.equal(exitCode, 0);
      assert.ok(tookMs < graceMs, `exited after ${tookMs} ms, within the ${graceMs} ms grace period`);
      const ended = await watch.ended;
      assert.equal(ended.code, grpc.status.UNAVAILABLE);
      assert.match(ended.details, /shutting down/);
    } finally {
      client.close();
      await service.stop('SIGKILL');
    }
  });
});
