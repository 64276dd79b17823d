import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ghzPath = fileURLToPath(new URL('../../../../../.tools/bin/ghz', import.meta.url));

export interface GhzResult {
  rps: number;
  count: number;
  errors: number;
  medianMs: number;
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
    // One summary line rather than JSON, whose per-call details would cost the load core.
    '--format=influx-summary',
    // Calls still in flight when the time is up finish and count, rather than being cancelled as errors.
    '--duration-stop=wait',
    options.address,
  ];
  const [command, commandArgs] = options.cpus ? ['taskset', ['-c', options.cpus, ghzPath, ...args]] : [ghzPath, args];
  const { stdout } = await promisify(execFile)(command, commandArgs, { timeout: (options.seconds + 60) * 1000 });
  // `ghz_run,<tags> count=4818,...,rps=4815.55,median=1128422,...,errors=6 <timestamp>`. Some tags share a
  // field's name (rps=0, the rate limit); the fields come last, so in the Map they win.
  const fields = new Map(
    [...stdout.matchAll(/[ ,](count|rps|median|errors)=([\d.]+)/g)].map((m) => [m[1] ?? '', Number(m[2])]),
  );
  return {
    rps: fields.get('rps') ?? Number.NaN,
    count: fields.get('count') ?? 0,
    errors: fields.get('errors') ?? 0,
    medianMs: (fields.get('median') ?? Number.NaN) / 1e6,
  };
}
