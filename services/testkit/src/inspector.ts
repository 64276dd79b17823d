/**
 * The Chrome DevTools Protocol of a service started with --inspect: a full
 * garbage collection and the heap in use, for the memory tests.
 */
import { type ServiceProcess } from './processes.js';
import { GiveUp, waitFor } from './wait.js';

/** The Chrome DevTools Protocol of a process started with --inspect, over its WebSocket. */
export interface Inspector {
  /** A full, blocking garbage collection (HeapProfiler.collectGarbage). */
  collectGarbage(): Promise<void>;
  /** The V8 heap in use, in bytes (Runtime.getHeapUsage). */
  heapUsed(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Connects to the inspector of `service`, which must have been started with
 * NODE_OPTIONS=--inspect=127.0.0.1:0: its WebSocket address is in the
 * "Debugger listening on ws://…" line on stderr.
 */
export async function connectInspector(service: ServiceProcess): Promise<Inspector> {
  const url = await waitFor(`${service.name} to open its inspector`, () => {
    if (service.child.exitCode !== null) throw new GiveUp(`${service.name} exited`);
    return /Debugger listening on (ws:\/\/\S+)/.exec(service.stderr.join(''))?.[1];
  });
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${url}`)), {
      once: true,
    });
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  socket.addEventListener('message', (event: MessageEvent) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiting || message.id === undefined) return;
    pending.delete(message.id);
    if (message.error) waiting.reject(new Error(message.error.message));
    else waiting.resolve(message.result);
  });
  socket.addEventListener('close', () => {
    for (const waiting of pending.values()) waiting.reject(new Error('the inspector connection closed'));
    pending.clear();
  });
  const send = (method: string) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method }));
    });
  return {
    async collectGarbage() {
      await send('HeapProfiler.collectGarbage');
    },
    async heapUsed() {
      return ((await send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
    },
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = new Promise((resolve) => socket.addEventListener('close', resolve, { once: true }));
      socket.close();
      await closed;
    },
  };
}
