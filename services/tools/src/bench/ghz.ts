import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ghzPath = fileURLToPath(new URL('../../../../../.tools/bin/ghz', import.meta.url));

export interface GhzResult {
  rps: number;
  count: number;
  /** Every status code ghz saw, with how often. */
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
}

interface GhzReport {
  count: number;
  rps: number;
  statusCodeDistribution?: Record<string, number>;
  latencyDistribution?: { percentage: number; latency: number }[] | null;
}

/**
 * A closed-loop run of ghz (the standard gRPC load tool), through server
 * reflection: `concurrency` workers each send the next call as soon as the
 * last one answers, which finds the maximum sustained throughput.
 */
export async function runGhz(options: {
  address: string;
  call: string;
  data: object;
  metadata?: Record<string, string>;
  seconds: number;
  concurrency: number;
  connections: number;
  /** taskset's CPU list, to keep ghz off the services' cores. */
  cpus?: string | undefined;
}): Promise<GhzResult> {
  if (!existsSync(ghzPath)) throw new Error(`${ghzPath} is missing: run make install`);
  const args = [
    '--insecure',
    `--call=${options.call}`,
    `--data=${JSON.stringify(options.data)}`,
    ...(options.metadata ? [`--metadata=${JSON.stringify(options.metadata)}`] : []),
    `--duration=${options.seconds}s`,
    '--total=0',
    `--concurrency=${options.concurrency}`,
    `--connections=${options.connections}`,
    '--cpus=1',
    '--format=json',
    // Calls still in flight when the time is up finish and count, rather than being cancelled as errors.
    '--duration-stop=wait',
    options.address,
  ];
  const [command, commandArgs] = options.cpus ? ['taskset', ['-c', options.cpus, ghzPath, ...args]] : [ghzPath, args];
  const { stdout } = await promisify(execFile)(command, commandArgs, {
    maxBuffer: 64 * 1024 * 1024,
    timeout: (options.seconds + 60) * 1000,
  });
  const report = JSON.parse(stdout) as GhzReport;
  const percentile = (p: number) =>
    (report.latencyDistribution?.find((d) => d.percentage === p)?.latency ?? Number.NaN) / 1e6;
  return {
    rps: report.rps,
    count: report.count,
    statuses: report.statusCodeDistribution ?? {},
    p50Ms: percentile(50),
    p99Ms: percentile(99),
  };
}
