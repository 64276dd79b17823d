// ghz (the standard gRPC load tool) as `make bench` drives it: closed loop
// for the maximum throughput, constant rate for latency, both through server
// reflection and both read from ghz's JSON report, which keeps the status of
// every call (its influx summary only counts them).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { percentile } from '@demo/testkit/open-loop';
import { cpuSeconds } from './proc.js';

const ghzPath = fileURLToPath(new URL('../../../../../.tools/bin/ghz', import.meta.url));

/** What ghz is pointed at: one unary method on one server. */
export interface GhzTarget {
  address: string;
  call: string;
  data: object;
  metadata?: Record<string, string> | undefined;
}

/** How ghz was placed: `cpus` is taskset's list, to keep it off the services' cores. */
export interface GhzPlacement {
  connections: number;
  cpus?: string | undefined;
}

/** One finished call, in ms since the epoch. */
export interface CallTimes {
  beginMs: number;
  endMs: number;
}

export interface GhzRun {
  /** Calls that came back with a status, OK or not. */
  count: number;
  /** ghz's own rate: count over the whole run, from before the first call to after the last answer. */
  rps: number;
  /** Calls by status other than OK ("Unavailable": 3); a call with no gRPC status counts as "no status". */
  failures: Record<string, number>;
  /** Every distinct error message, with how many calls failed with it. */
  errorMessages: Record<string, number>;
  calls: CallTimes[];
  /** ghz's own CPU use, polled while it ran. */
  cpuSamples: CpuSample[];
}

export interface CpuSample {
  atMs: number;
  cpuSeconds: number;
}

/**
 * Closed loop: `concurrency` workers each send the next call as soon as the
 * last one answers, which finds the maximum sustained throughput.
 */
export function runClosedLoop(
  target: GhzTarget,
  options: GhzPlacement & { seconds: number; concurrency: number },
): Promise<GhzRun> {
  return runGhz(target, options, [`--concurrency=${options.concurrency}`]);
}

/**
 * Constant rate: ghz's pacer releases call i at its start + (i + 1) / rate
 * whether or not earlier calls have answered. It hands each call to a
 * free worker and waits when none is, so there are workers for 50 ms of
 * calls in flight (at least 50; 1000 at most, a goroutine each): a wait
 * still shows, in the latency from the schedule, but it should not happen.
 */
export function runFixedRate(
  target: GhzTarget,
  options: GhzPlacement & { seconds: number; rate: number },
): Promise<GhzRun> {
  const concurrency = Math.min(1000, Math.max(50, Math.ceil(options.rate * 0.05)));
  return runGhz(target, options, [`--rps=${options.rate}`, `--concurrency=${concurrency}`]);
}

const reportSchema = z.object({
  count: z.number(),
  rps: z.number(),
  statusCodeDistribution: z.record(z.string(), z.number()).nullable(),
  errorDistribution: z.record(z.string(), z.number()).nullable(),
  // null when no call finished.
  details: z.array(z.object({ timestamp: z.string(), latency: z.number() })).nullable(),
});

async function runGhz(target: GhzTarget, options: GhzPlacement & { seconds: number }, load: string[]) {
  if (!existsSync(ghzPath)) throw new Error(`${ghzPath} is missing: run make install`);
  const args = [
    '--insecure',
    `--call=${target.call}`,
    `--data=${JSON.stringify(target.data)}`,
    ...(target.metadata ? [`--metadata=${JSON.stringify(target.metadata)}`] : []),
    `--duration=${options.seconds}s`,
    '--total=0',
    ...load,
    `--connections=${options.connections}`,
    '--cpus=1',
    // ghz keeps every call's detail (up to a million) whatever the format and has no option to
    // leave them out; at 15k calls/s for 8 s they make about 10 MB of JSON, read once it has exited.
    '--format=json',
    // Calls still in flight when the time is up finish and count, rather than being cancelled as errors.
    '--duration-stop=wait',
    target.address,
  ];
  // taskset execs ghz, so the child's pid is ghz's own: the one whose CPU is polled.
  const [command, commandArgs] = options.cpus ? ['taskset', ['-c', options.cpus, ghzPath, ...args]] : [ghzPath, args];
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const cpuSamples: CpuSample[] = [];
  const poll = setInterval(() => {
    const sample = { atMs: Date.now(), cpuSeconds: cpuSeconds(child.pid) };
    if (!Number.isNaN(sample.cpuSeconds)) cpuSamples.push(sample);
  }, 100);
  const killer = setTimeout(() => child.kill('SIGKILL'), (options.seconds + 60) * 1000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).finally(() => {
    clearInterval(poll);
    clearTimeout(killer);
  });
  if (code !== 0) throw new Error(`ghz exited with ${code}: ${Buffer.concat(stderr).toString('utf8')}`);
  return toRun(reportSchema.parse(JSON.parse(Buffer.concat(stdout).toString('utf8'))), cpuSamples);
}

function toRun(report: z.infer<typeof reportSchema>, cpuSamples: CpuSample[]): GhzRun {
  const failures: Record<string, number> = {};
  for (const [status, count] of Object.entries(report.statusCodeDistribution ?? {})) {
    if (status !== 'OK') failures[status || 'no status'] = count;
  }
  return {
    count: report.count,
    rps: report.rps,
    failures,
    errorMessages: report.errorDistribution ?? {},
    calls: (report.details ?? []).map(({ timestamp, latency }) => {
      // ghz's timestamp is when the call ended (grpc-go's stats End), its latency in ns.
      const endMs = epochMs(timestamp);
      return { beginMs: endMs - latency / 1e6, endMs };
    }),
    cpuSamples,
  };
}

/** Go's RFC 3339 time with up to nanoseconds, to ms since the epoch: Date.parse would drop what is below 1 ms. */
export function epochMs(timestamp: string): number {
  const match = /^(.+T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(timestamp);
  if (!match) throw new Error(`not an RFC 3339 time: ${timestamp}`);
  const [, seconds, fraction, zone] = match;
  return Date.parse(`${seconds}${zone}`) + Number(`0.${fraction ?? '0'}`) * 1000;
}

// Math.min and max without spreading: a minute's calls are more arguments than a call can take.
const least = (values: readonly number[]) => values.reduce((min, value) => Math.min(min, value), Infinity);
const greatest = (values: readonly number[]) => values.reduce((max, value) => Math.max(max, value), -Infinity);

export interface FixedRateFigures {
  /** Calls sent a second, from the first send to the last. */
  achievedRate: number;
  p50: number;
  p99: number;
  p999: number;
  /** ghz's CPU over the calls, as a share of one core. */
  generatorCpu: number;
}

export function fixedRateFigures(run: GhzRun, rate: number): FixedRateFigures {
  const latencies = latenciesFromSchedule(run.calls, rate);
  const firstSent = least(run.calls.map((c) => c.beginMs));
  const lastSent = greatest(run.calls.map((c) => c.beginMs));
  const lastEnded = greatest(run.calls.map((c) => c.endMs));
  return {
    achievedRate: ((run.calls.length - 1) * 1000) / (lastSent - firstSent),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    p999: percentile(latencies, 99.9),
    generatorCpu: cpuShare(run.cpuSamples, firstSent, lastEnded),
  };
}

/**
 * Each call's latency from when it was due, not from when it was sent: a
 * call sent late because the generator or a worker was behind waited too
 * (coordinated omission otherwise hides it). Calls in order of sending
 * take the ticks in order: call i was due i intervals after the first
 * (ghz's pacer releases tick i at its start + (i + 1) * interval, the
 * interval in whole ns). ghz does not say when the first was due, but no
 * call is sent before it is due, so that is at most min(begin_i - i *
 * interval): that latest possible time is taken, which can only understate
 * a latency, never invent one.
 */
export function latenciesFromSchedule(calls: readonly CallTimes[], rate: number): number[] {
  const intervalMs = Math.floor(1e9 / rate) / 1e6;
  const sent = [...calls].sort((a, b) => a.beginMs - b.beginMs);
  const firstDue = least(sent.map((call, i) => call.beginMs - i * intervalMs));
  return sent.map((call, i) => call.endMs - (firstDue + i * intervalMs));
}

/** CPU used between the polls nearest inside [fromMs, toMs], over the time between them; NaN without two polls. */
function cpuShare(samples: readonly CpuSample[], fromMs: number, toMs: number): number {
  const inside = samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs);
  const first = inside[0];
  const last = inside.at(-1);
  if (!first || !last || last.atMs === first.atMs) return Number.NaN;
  return (last.cpuSeconds - first.cpuSeconds) / ((last.atMs - first.atMs) / 1000);
}
