/**
 * Helpers for tests that cross a process boundary: start a real service
 * process, wait for it to report SERVING over grpc.health.v1, stop it with a
 * signal; start a real redis-server. Every wait polls a condition and gives
 * up after a bounded time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
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
 * Polls `probe` every 50 ms until it returns a value, failing after
 * `timeoutMs`. A probe that throws means "not yet", except with GiveUp.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
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
    await new Promise((resolve) => setTimeout(resolve, 50));
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
  const child = spawn(command, args, {
    env: { LOG_LEVEL: 'info', ...baseEnv(), GRPC_PORT: '0', METRICS_PORT: '0', ...options.env },
    stdio: ['ignore', options.collectLogs === false ? 'ignore' : 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      options.onLine?.(line, 'stdout');
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
    for (const line of chunk.split('\n').filter(Boolean)) options.onLine?.(line, 'stderr');
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));

  const env = { GRPC_PORT: '0', METRICS_PORT: '0', ...options.env };
  const stillRunning = () => {
    if (exitedEarly) throw new GiveUp(`${options.name} exited: ${stderr.join('')}`);
  };
  let port: number;
  let address: string;
  let metricsPort: number | undefined;
  try {
    // A port given up front is known; port 0 is learned from the "serving" and
    // "metrics listening" log lines (so LOG_LEVEL must keep info lines then).
    port =
      Number(env.GRPC_PORT) ||
      (await waitFor(`${options.name} to bind its port`, () => {
        stillRunning();
        const serving = logs.find((line) => line['msg'] === 'serving');
        return typeof serving?.['address'] === 'string' ? Number(serving['address'].split(':').pop()) : undefined;
      }));
    address = `127.0.0.1:${port}`;
    const metricsLine = logs.find((line) => line['msg'] === 'metrics listening');
    metricsPort =
      Number(env.METRICS_PORT) || (typeof metricsLine?.['port'] === 'number' ? metricsLine['port'] : undefined);
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

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
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
