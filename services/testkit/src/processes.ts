/**
 * Real processes for tests that cross a process boundary: start a service
 * as its image does, learn its ports from its own log lines, wait for it to
 * report SERVING over grpc.health.v1, stop it with a signal; run a program
 * to its exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { GiveUp, waitFor } from './wait.js';

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
export const telemetryPreload = fileURLToPath(
  new URL('../../../platform/dist/src/telemetry/preload.js', import.meta.url),
);

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

/** What a program printed, and how it ended. */
export interface CommandResult {
  /** The exit code; null when a signal ended it (the timeout's SIGKILL included). */
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, in the order they arrived. */
  output: string;
}

/** A command that failed, with the end of what it printed. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly command: string,
    readonly result: Pick<CommandResult, 'status' | 'stdout' | 'stderr'>,
  ) {
    const output = `${result.stderr}${result.stdout}`.trim().split('\n').slice(-30).join('\n');
    super(`${command} exited ${result.status ?? 'on a signal'}:\n${output}`);
  }
}

/**
 * The one command runner (runCommandSync below is its synchronous twin):
 * runs `program` to its end with `input` on its stdin, killing it after
 * `timeoutMs`; rejects with a CommandError on an exit other than 0 unless
 * `allowFailure`, and when the program cannot start.
 */
export function runCommand(
  program: string,
  args: readonly string[],
  options: { timeoutMs: number; input?: string; allowFailure?: boolean; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<CommandResult> {
  const command = [program, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      output += chunk;
    });
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${options.timeoutMs} ms)`;
      child.kill('SIGKILL');
      // A grandchild may still hold the pipes open: stop reading, so 'close' comes.
      child.stdout.destroy();
      child.stderr.destroy();
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${program}: ${error.message}`));
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      const result = { status, stdout, stderr, output };
      if (status !== 0 && !options.allowFailure) reject(new CommandError(command, result));
      else resolve(result);
    });
    // A program that exits without reading its stdin must not fail the run.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/**
 * runCommand's synchronous twin, for what a test module reads at its top
 * level (the chart's renderings) and for one-shot probes: the same options,
 * the same CommandError. Its output comes whole at the end, so `output` is
 * stdout, then stderr.
 */
export function runCommandSync(
  program: string,
  args: readonly string[],
  options: { timeoutMs: number; input?: string; allowFailure?: boolean; env?: NodeJS.ProcessEnv; cwd?: string },
): CommandResult {
  const result = spawnSync(program, args, {
    env: options.env ?? process.env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const error: NodeJS.ErrnoException | undefined = result.error;
  const timedOut = error?.code === 'ETIMEDOUT';
  if (error && !timedOut) throw new Error(`${program}: ${error.message}`);
  const stderr = `${result.stderr}${timedOut ? `\n(killed after ${options.timeoutMs} ms)` : ''}`;
  const outcome = { status: result.status, stdout: result.stdout, stderr, output: `${result.stdout}${stderr}` };
  if (outcome.status !== 0 && !options.allowFailure) throw new CommandError([program, ...args].join(' '), outcome);
  return outcome;
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
  const { status, output, stderr } = await runCommand(process.execPath, [entry], {
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
    timeoutMs: options.timeoutMs,
    allowFailure: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  return { code: status, output, stderr };
}
