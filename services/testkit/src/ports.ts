/**
 * Free loopback ports for the processes a test starts, never one handed out twice.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';

/**
 * Every port freePort or freePorts has handed out in this process. A port is
 * released (closed) before the caller's process binds it, so the kernel may
 * hand the same one to the next bind on port 0: two replicas given one port,
 * one of them failing to bind while the other answers for both. So a port
 * handed out once is never handed out again.
 */
const handedOut = new Set<number>();

/** A free loopback port, never one this process has been given before. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no port');
  return port;
}

/**
 * `count` distinct free loopback ports, none handed out before in this
 * process. Each is held open until all are picked, so the kernel cannot give
 * one of them twice; a port handed out earlier is held too while picking, so
 * it is not offered again either.
 */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  const picked: number[] = [];
  try {
    while (picked.length < count) {
      const server = createServer();
      held.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      if (held.length > count + 1000) throw new Error(`no ${count} fresh ports after ${held.length} tries`);
      if (handedOut.has(address.port)) continue;
      handedOut.add(address.port);
      picked.push(address.port);
    }
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
  return picked;
}
