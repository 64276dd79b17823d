// What a user process does with connections and streams that last: a long
// watch's memory, connections that never speak HTTP/2 or go silent, and
// metadata over the limit.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connectInspector, type Inspector } from '@demo/testkit/inspector';
import { startService, type ServiceProcess } from '@demo/testkit/processes';
import { waitFor } from '@demo/testkit/wait';
import { UserClient, uniqueEmail, userServiceEntry } from './user-client.js';

/** Open file descriptors of a process, as the kernel counts them. */
const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

// A watch across many connection ages and keepalive rounds: services/tools/test/long-streams.test.ts
// runs the README's own grpcurl watch across them.

describe('a watch that streams 100,000 users', () => {
  let service: ServiceProcess;
  let inspector: Inspector;
  before(async () => {
    // With its inspector open, so the test can collect garbage before each reading.
    service = await startService({
      name: 'user-heap',
      entry: userServiceEntry,
      env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' },
    });
    inspector = await connectInspector(service);
  });
  after(async () => {
    // Closed first: a process whose inspector has a client waits for it to go before it exits.
    await inspector.close();
    await service.stop();
  });

  test('leaves the heap of the user process flat', async () => {
    const client = new UserClient(service.address);
    try {
      const total = 100_000;
      for (let batch = 0; batch < total / 1000; batch += 1) {
        await client.batchCreateUsers(
          Array.from({ length: 1000 }, (_, i) => ({ name: `User ${batch}-${i}`, email: uniqueEmail('heap') })),
        );
      }
      const before = await settledHeap(inspector);
      const watch = client.watchUsers(true);
      await waitFor('the watch to stream every user', () => (watch.users.length >= total ? true : undefined), 120_000);
      // Still open: whatever the stream holds per message is still held now.
      const during = await settledHeap(inspector);
      watch.cancel();
      await watch.ended;
      const growthMb = (during - before) / 1e6;
      console.log(
        `heap used: ${(before / 1e6).toFixed(1)} MB before, ${(during / 1e6).toFixed(1)} MB after streaming ${total} users`,
      );
      assert.ok(growthMb < 8, `the heap grew by ${growthMb.toFixed(1)} MB while streaming ${total} users`);
    } finally {
      client.close();
    }
  });
});

describe('an aged connection whose client ignores the GOAWAY', () => {
  test('is closed by the server once it has no call, long before keepalive could', async () => {
    const ageMs = 500;
    const service = await startService({
      name: 'user-aged-idle',
      entry: userServiceEntry,
      env: { MAX_CONNECTION_AGE_MS: String(ageMs) },
    });
    const [host, port] = service.address.split(':');
    // A client that speaks HTTP/2 (preface, SETTINGS and their ACK), opens
    // no call and would never close the connection itself.
    const socket = connect(Number(port), host ?? '127.0.0.1');
    try {
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      const closed = once(socket, 'close');
      socket.write(http2Preface);
      const openedAt = Date.now();
      // The age has a jitter of a tenth either way; keepalive would take 60 s.
      await waitFor('the server to close the aged connection', () => (socket.closed ? true : undefined), ageMs * 10);
      await closed;
      console.log(`an idle connection aged at ${ageMs} ms was closed by the server after ${Date.now() - openedAt} ms`);
    } finally {
      socket.destroy();
      await service.stop();
    }
  });
});

describe('connections that never speak HTTP/2, or go silent', () => {
  const handshakeTimeoutMs = 3000;
  let service: ServiceProcess;
  before(async () => {
    service = await startService({
      name: 'user-connections',
      entry: userServiceEntry,
      env: {
        HANDSHAKE_TIMEOUT_MS: String(handshakeTimeoutMs),
        KEEPALIVE_TIME_MS: '2000',
        KEEPALIVE_TIMEOUT_MS: '1000',
      },
    });
  });
  after(async () => {
    await service.stop();
  });

  test('are closed and their file descriptors released, and the server keeps serving', async () => {
    const pid = service.child.pid ?? 0;
    const fdsBefore = openFds(pid);
    const [host, port] = service.address.split(':');
    const sockets: Socket[] = [];
    const closedAt = new Map<Socket, number>();
    const openedAt = Date.now();
    try {
      // Half never send a byte (a port scan, a stalled TLS client); half send
      // the HTTP/2 preface and SETTINGS, acknowledge the server's, then go
      // silent, answering no ping.
      for (let i = 0; i < 1000; i += 1) {
        const socket = connect(Number(port), host ?? '127.0.0.1');
        socket.on('error', () => undefined);
        socket.on('close', () => closedAt.set(socket, Date.now()));
        socket.on('data', () => undefined);
        if (i % 2 === 1) socket.write(http2Preface);
        sockets.push(socket);
      }
      await Promise.all(sockets.filter((socket) => socket.connecting).map((socket) => once(socket, 'connect')));
      const fdsHeld = await waitFor('the server to accept every connection', () => {
        const fds = openFds(pid);
        return fds >= fdsBefore + 900 ? fds : undefined;
      });
      const fdsAfter = await waitFor(
        'the server to close them',
        () => {
          const fds = openFds(pid);
          return fds <= fdsBefore + 10 ? fds : undefined;
        },
        30_000,
      );
      const releasedMs = Date.now() - openedAt;
      await waitFor('every client to see its connection closed', () =>
        closedAt.size === sockets.length ? true : undefined,
      );
      console.log(
        `user process fds: ${fdsBefore} before, ${fdsHeld} with 1000 idle connections, ${fdsAfter} ${releasedMs} ms later`,
      );
      const client = new UserClient(service.address);
      try {
        await client.listUsers({ pageSize: 1, pageToken: '' });
      } finally {
        client.close();
      }
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  test('a request with metadata over the limit gets an error status at once, not at its deadline', async () => {
    const client = new UserClient(service.address);
    try {
      const oversized: [string, grpc.Metadata][] = [
        ['one 1 MB value', metadataOf({ 'x-big': 'a'.repeat(1_000_000) })],
        ['200 entries', metadataOf(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-entry-${i}`, 'a'])))],
        [
          '1 MB in 100 values',
          metadataOf(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`x-part-${i}`, 'a'.repeat(10_000)]))),
        ],
      ];
      for (const [what, metadata] of oversized) {
        const startedAt = Date.now();
        const error = await new Promise<grpc.ServiceError | null>((resolve) => {
          client.raw.getUser({ id: '1' }, metadata, { deadline: Date.now() + 10_000 }, (failure) => resolve(failure));
        });
        const tookMs = Date.now() - startedAt;
        assert.ok(error, `${what}: answered`);
        assert.notEqual(error.code, grpc.status.DEADLINE_EXCEEDED, `${what}: ${error.details}`);
        assert.notEqual(error.code, grpc.status.NOT_FOUND, `${what}: reached the handler`);
        assert.ok(tookMs < 2000, `${what}: answered after ${tookMs} ms`);
        console.log(`metadata of ${what}: ${grpc.status[error.code]} after ${tookMs} ms`);
      }
      // And the channel still works. A header block of 1 MB takes more
      // CONTINUATION frames than Node accepts (its flood protection): Node
      // resets the stream, then closes the connection, so a call sent in
      // between can fail once; the channel reconnects for the next.
      await waitFor('the channel to answer again', async () => {
        try {
          return await client.listUsers({ pageSize: 1, pageToken: '' });
        } catch {
          return undefined;
        }
      });
    } finally {
      client.close();
    }
  });
});

function metadataOf(entries: Record<string, string>): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
}

/** The client connection preface, an empty SETTINGS frame, and the ACK of the server's SETTINGS. */
const http2Preface = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
  Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
  Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]),
]);

/**
 * The user process's heap in use once garbage is gone: read right after full
 * collections forced through its inspector, not left to an idle V8 that may
 * not collect at all. Twice, so what the first one's finalizers released goes too.
 */
async function settledHeap(inspector: Inspector): Promise<number> {
  await inspector.collectGarbage();
  await inspector.collectGarbage();
  return inspector.heapUsed();
}
