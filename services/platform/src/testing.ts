/**
 * Helpers for tests that cross a process boundary: start a real service
 * process, wait for it to report SERVING over grpc.health.v1, stop it with a
 * signal; start a real redis-server. Every wait polls a condition and gives
 * up after a bounded time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The bound gRPC address, 127.0.0.1:port. */
  readonly address: string;
  readonly port: number;
  readonly metricsPort: number | undefined;
  /** Every stdout line so far, parsed where it is JSON. */
  readonly logs: Record<string, unknown>[];
  readonly stderr: string[];
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

/** Thrown by a probe to stop waiting at once (the awaited thing can no longer happen). */
export class GiveUp extends Error {
  override name = 'GiveUp';
}

/**
 * Polls `probe` every `everyMs` (50) until it returns a value, failing after
 * `timeoutMs`. A probe that throws means "not yet", except with GiveUp.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const giveUp = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() > giveUp) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

interface HealthClient extends grpc.Client {
  check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: { status: string }) => void,
  ): grpc.ClientUnaryCall;
}

const { Health } = (
  grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { enums: String, defaults: true })) as unknown as {
    grpc: { health: { v1: { Health: new (address: string, credentials: grpc.ChannelCredentials) => HealthClient } } };
  }
).grpc.health.v1;

/** grpc.health.v1 Check against `address` for `service` ('' for the whole server). */
export async function checkHealth(address: string, service = ''): Promise<string> {
  const client = new Health(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve, reject) => {
      client.check({ service }, { deadline: Date.now() + 1000 }, (error, response) =>
        error ? reject(error) : resolve(response?.status ?? 'UNKNOWN'),
      );
    });
  } finally {
    client.close();
  }
}

/** Services run as in their image: with the telemetry preload before their main module. */
export const telemetryPreload = fileURLToPath(new URL('./telemetry/preload.js', import.meta.url));

/**
 * Starts `node --import=<telemetry preload> <entry>` with `env` (GRPC_PORT and METRICS_PORT default to 0,
 * a free port), learns the bound ports from its "serving" log lines, and
 * waits until it reports SERVING.
 */
export async function startService(options: {
  name: string;
  entry: string;
  env?: Record<string, string>;
  /** Wait for SERVING (default) or only for the port to be bound. */
  waitForServing?: boolean;
  /** Called with every stdout and stderr line as it arrives (the local launcher prints them). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** CPUs to pin the process to (taskset's list, "1"), so a benchmark's load runs apart from it. */
  cpus?: string;
  /** Start with the telemetry preload (default), as the image does. */
  preload?: boolean;
  /** Keep stdout lines in `logs` (default). A benchmark discards them instead; give it fixed ports then. */
  collectLogs?: boolean;
}): Promise<ServiceProcess> {
  const nodeArgs = options.preload === false ? [options.entry] : [`--import=${telemetryPreload}`, options.entry];
  const [command, args] = options.cpus
    ? ['taskset', ['-c', options.cpus, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const env = { LOG_LEVEL: 'info', ...baseEnv(), GRPC_PORT: '0', METRICS_PORT: '0', ...options.env };
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const collectLogs = options.collectLogs !== false;
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  // The process's own word on the ports it bound: its "serving" and "metrics
  // listening" lines, kept even when the other lines are not.
  let servingLine: Record<string, unknown> | undefined;
  let metricsLine: Record<string, unknown> | undefined;
  let buffered = '';
  const onStdout = (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      options.onLine?.(line, 'stdout');
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { msg: line };
      }
      if (parsed['msg'] === 'serving') servingLine ??= parsed;
      if (parsed['msg'] === 'metrics listening') metricsLine ??= parsed;
      if (collectLogs) logs.push(parsed);
    }
    if (!collectLogs && !options.onLine && servingLine) {
      // A benchmark discards the rest unread.
      child.stdout.off('data', onStdout);
      child.stdout.resume();
    }
  };
  child.stdout.setEncoding('utf8').on('data', onStdout);
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
    for (const line of chunk.split('\n').filter(Boolean)) options.onLine?.(line, 'stderr');
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));

  const stillRunning = () => {
    if (exitedEarly) throw new GiveUp(`${options.name} exited: ${stderr.join('')}`);
  };
  const requestedPort = Number(env.GRPC_PORT);
  const requestedMetricsPort = Number(env.METRICS_PORT);
  // Info lines are what say which process bound a port.
  const announces = ['info', 'debug', 'trace'].includes(env.LOG_LEVEL);
  let port: number;
  let address: string;
  let metricsPort: number | undefined;
  try {
    if (announces) {
      // Even a port given up front is taken from the process's own "serving"
      // line: a health check on the port alone can be answered by another
      // process that holds it, while this one failed to bind (EADDRINUSE)
      // and is exiting. Such a process exits before that line, and fails here.
      port = await waitFor(`${options.name} to bind its port`, () => {
        stillRunning();
        return typeof servingLine?.['address'] === 'string'
          ? Number(servingLine['address'].split(':').pop())
          : undefined;
      });
      if (requestedPort && port !== requestedPort) {
        throw new Error(`${options.name} was given port ${requestedPort} but serves on ${port}`);
      }
      // Every service starts its metrics server before it serves gRPC.
      const announcedMetricsPort = typeof metricsLine?.['port'] === 'number' ? metricsLine['port'] : undefined;
      if (requestedMetricsPort && announcedMetricsPort !== undefined && announcedMetricsPort !== requestedMetricsPort) {
        throw new Error(
          `${options.name} was given metrics port ${requestedMetricsPort} but listens on ${announcedMetricsPort}`,
        );
      }
      metricsPort = requestedMetricsPort || announcedMetricsPort;
    } else if (requestedPort) {
      port = requestedPort;
      metricsPort = requestedMetricsPort || undefined;
    } else {
      throw new Error(
        `${options.name}: port 0 is learned from the "serving" line, which LOG_LEVEL ${env.LOG_LEVEL} drops`,
      );
    }
    address = `127.0.0.1:${port}`;
    if (options.waitForServing !== false) {
      await waitFor(`${options.name} to report SERVING`, async () => {
        stillRunning();
        return (await checkHealth(address)) === 'SERVING' ? true : undefined;
      });
    }
  } catch (error) {
    // Never leave a half-started process behind.
    child.kill('SIGKILL');
    throw error;
  }
  return {
    name: options.name,
    child,
    address,
    port,
    metricsPort,
    logs,
    stderr,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** The environment a child service needs: PATH and the like, not the test runner's own settings. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG'];
  return Object.fromEntries(
    keep.flatMap((key) => {
      const value = process.env[key];
      return value === undefined ? [] : [[key, value]];
    }),
  );
}

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

export interface RedisProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A real redis-server on loopback, no persistence, in a scratch directory. */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit');
  await waitFor('redis-server to accept connections', () => {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
    return output.includes('Ready to accept connections') ? true : undefined;
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** One sample of Prometheus text exposition: `name{labels} value`. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (comments and exemplars skipped). */
export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*?)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] ?? ''] = pair[2] ?? '';
    }
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of every sample of `name` whose labels include `labels`, scraped from /metrics on `port`. */
export async function scrapeMetric(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
  return parseMetrics(await response.text())
    .filter((sample) => sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/**
 * Runs `node <entry>` with only PATH and `env`, to its exit, killing it after
 * `timeoutMs`; resolves with the exit code, stdout and stderr together, and
 * stderr alone.
 */
export async function runToExit(
  entry: string,
  options: { env: Record<string, string>; cwd?: string; timeoutMs: number },
): Promise<{ code: number | null; output: string; stderr: string }> {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  let output = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    stderr += chunk;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(killer);
  return { code, output, stderr };
}

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
