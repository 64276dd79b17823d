// `make bench`: what each layer costs, side by side in one run on this
// machine. For each case, CPU per call (the time every process of the case
// spent, over the calls it answered), maximum sustained throughput (ghz,
// closed loop) and latency at a constant rate of half that (ghz again,
// measured from each call's scheduled send time), every run repeated and
// the median kept; then each service's footprint and the control room's,
// and the admission limit at three times the aggregator's capacity. The
// services run on one core and the load on the other where the machine has
// two. Writes the table and the targets to BENCHMARKS.md, every figure to
// reports/. The gateway case (gateway.ts) compares GetUserHome through Envoy
// with the call straight to the aggregator, and writes its own section of
// BENCHMARKS.md.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus as machineCpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { flag, loadConfigOrExit } from '@demo/platform';
import { formatMs } from '@demo/testkit/open-loop';
import { startOtlpReceiver } from '@demo/testkit/otlp-receiver';
import { runCommandSync } from '@demo/testkit/processes';
import { writeBenchPart, writeGatewayPart } from '../benchmarks-file.js';
import { benchCases, controlRoomCase, homeCase, type BenchCase, type CaseContext } from './cases.js';
import { measureConsoleFootprint, measureFootprint, type Footprint } from './footprint.js';
import { gatewayMarkdown, gatewayTargets, gatewayVariants, measureGateway, type GatewayRun } from './gateway.js';
import { measureOverload, type OverloadResult } from './overload.js';
import { runClosedLoop } from './ghz.js';
import { measureCase, type CaseResult, type MeasureOptions } from './measure.js';
import { formatProfileSummary, summarizeProfiles, type ProfileWindow } from './profile.js';
import { benchmarksMarkdown, caseFailures, evaluateTargets, formatFailures, type BenchReport } from './report.js';

const configSchema = z.object({
  BENCH_SECONDS: z.coerce.number().positive().max(120).default(8),
  REPEATS: z.coerce.number().int().min(1).max(9).default(3),
  /** The memory check: RSS after this long at the fixed rate against RSS after 10 s; 0 skips it. */
  RSS_SECONDS: z.coerce.number().int().min(0).max(600).default(60),
  /** The footprint's run at 100 GetUserHome/s; idle is measured over half this, after as long from the start. 0 skips it. */
  FOOTPRINT_SECONDS: z.coerce.number().min(0).max(600).default(20),
  /** Rounds of capacity and three times as much offered, for the admission limit; 0 skips it. */
  OVERLOAD_ROUNDS: z.coerce.number().int().min(0).max(50).default(5),
  CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  /** The rate every case's CPU per call is measured at (measure.ts says why one rate); below every case's maximum. */
  CPU_RATE: z.coerce.number().int().min(1).max(10_000).default(400),
  /** Every service under the CPU profiler, its profiles in REPORTS_DIR/bench-profiles/<case>/ and summarised. */
  PROFILE: flag(false),
  OUTPUT: z.string().default('BENCHMARKS.md'),
  /** Where reports/bench-<time>.json, every figure of the run, goes. */
  REPORTS_DIR: z.string().default('reports'),
  /** Some of the cases, comma-separated (ceiling, platform-off, ..., gateway); all by default. */
  CASES: z.string().optional(),
});
const config = loadConfigOrExit(configSchema);
const ghzVersion = 'v0.120.0';

// Two cores or more: the load (this process and ghz) on core 0, the services on the rest.
const cores = machineCpus().length;
const loadCpus = cores >= 2 ? '0' : undefined;
const serviceCpus = cores >= 2 ? `1-${cores - 1}` : undefined;
if (loadCpus) runCommandSync('taskset', ['-pc', loadCpus, String(process.pid)], { timeoutMs: 10_000 });

/**
 * About how long a run takes: each case starts its processes (a few
 * seconds), warms up, and runs closed loop, at the fixed rate and at the
 * common rate `repeats` times each, and the reference echo as often, every
 * ghz run with about half a second of start and report.
 */
function expectedMinutes(
  settings: z.infer<typeof configSchema>,
  caseCount: number,
  withRss: boolean,
  withGateway: boolean,
): number {
  const setupSeconds = 4;
  const ghzOverheadSeconds = 0.5;
  const perCase =
    setupSeconds +
    Math.min(2, settings.BENCH_SECONDS) +
    4 * settings.REPEATS * settings.BENCH_SECONDS +
    (1 + 4 * settings.REPEATS) * ghzOverheadSeconds;
  // The GetUserHome processes, then the control room on a system of its own.
  const footprint =
    caseCount > 0 && settings.FOOTPRINT_SECONDS > 0 ? 2 * (setupSeconds + 2 * settings.FOOTPRINT_SECONDS) : 0;
  // Start, warm-up, then a capacity window before each round and after the last, and the rounds' own.
  const overload =
    caseCount > 0 && settings.OVERLOAD_ROUNDS > 0 ? setupSeconds + 2 + (2 * settings.OVERLOAD_ROUNDS + 1) * 1.5 : 0;
  // A warm-up round, then `repeats` rounds, each variant in turn.
  const gateway = withGateway
    ? setupSeconds +
      gatewayVariants.length * (Math.min(2, settings.BENCH_SECONDS) + settings.REPEATS * settings.BENCH_SECONDS)
    : 0;
  return Math.ceil((caseCount * perCase + (withRss ? settings.RSS_SECONDS : 0) + footprint + overload + gateway) / 60);
}

const receiver = await startOtlpReceiver({ keep: false });
const context: CaseContext = {
  jwtSecret: randomBytes(32).toString('hex'),
  otlpEndpoint: receiver.endpoint,
  serviceCpus,
};
const cases = benchCases(context);
const caseNames = [...cases.map((c) => c.name), 'gateway'];
const asked = config.CASES?.split(',') ?? caseNames;
const unknown = asked.filter((name) => !caseNames.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`CASES: no case ${unknown.join(', ')}; the cases are ${caseNames.join(', ')}\n`);
  process.exit(78);
}
const selected = cases.filter((c) => asked.includes(c.name));
const withGateway = asked.includes('gateway');
const measureOptions: Omit<MeasureOptions, 'rssSeconds'> = {
  seconds: config.BENCH_SECONDS,
  repeats: config.REPEATS,
  concurrency: config.CONCURRENCY,
  placement: { connections: 4, cpus: loadCpus },
  cpuRate: config.CPU_RATE,
};
process.stdout.write(
  `${selected.length + (withGateway ? 1 : 0)} cases, expected to take about ${expectedMinutes(config, selected.length, asked.includes('home-10'), withGateway)} min\n`,
);

/** Measures one case; with PROFILE, its services write their CPU profiles as they exit, summarised here. */
async function runCase(benchCase: BenchCase): Promise<{ result: CaseResult; profile: string[] | undefined }> {
  const profileDir = config.PROFILE ? resolve(config.REPORTS_DIR, 'bench-profiles', benchCase.name) : undefined;
  if (profileDir) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  const target = await benchCase.setup(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {});
  // The profiles cover each process's whole life; the summary keeps the measured part, not startup and shutdown.
  const fromUs = monotonicUs();
  let result: CaseResult;
  let toUs: number;
  try {
    result = await measureCase(benchCase, target, {
      ...measureOptions,
      rssSeconds: benchCase.name === 'home-10' ? config.RSS_SECONDS : 0,
      reference: benchCase.name === 'ceiling' ? undefined : reference,
    });
  } finally {
    toUs = monotonicUs();
    // A profile is written when its process exits normally, as it does on SIGTERM.
    await target.stop();
  }
  return { result, profile: profileDir ? profileSummary(profileDir, { fromUs, toUs }) : undefined };
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

function profileSummary(dir: string, window: ProfileWindow): string[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => join(dir, file));
  if (files.length === 0) return [`No profile in ${dir}: a process that does not exit normally writes none.`];
  return [
    `${files.length} profiles in ${dir}, one per thread (the telemetry preload's module hooks have one of their own); the samples from the warm-up to the last run.`,
    '',
    ...formatProfileSummary(summarizeProfiles(files, window)),
  ];
}

// The reference echo every other case is compared with at the common rate
// (measure.ts says why), running idle beside each case; warmed up first.
// The gateway case alone needs none.
const echoCase = cases.find((c) => c.name === 'ceiling');
if (!echoCase) throw new Error('benchCases has no ceiling case');
const reference = selected.length > 0 ? await echoCase.setup({}) : undefined;
if (reference) {
  await runClosedLoop(reference.ghz, { ...measureOptions.placement, seconds: 2, concurrency: config.CONCURRENCY });
}

const results: CaseResult[] = [];
const profiles: BenchReport['profiles'] = [];
try {
  for (const benchCase of selected) {
    process.stdout.write(`${benchCase.label} ... `);
    const { result, profile } = await runCase(benchCase);
    results.push(result);
    process.stdout.write(
      `${result.cpuRateCpuUsPerCall.toFixed(1)} µs CPU/call at ${result.cpuRate}/s (${result.cpuRateVsEcho.toFixed(2)}x the echo beside it); ${Math.round(result.rps)} req/s; at ${result.rate} req/s p50 ${formatMs(result.p50)} ms, p99 ${formatMs(result.p99)} ms; failed ${formatFailures(caseFailures(result))}\n`,
    );
    if (profile) {
      profiles.push({ label: benchCase.label, lines: profile });
      process.stdout.write(`${profile.join('\n')}\n\n`);
    }
  }
} finally {
  // A process of our own: left running, it would outlive a bench that failed.
  await reference?.stop();
}

let gateway: GatewayRun[] | undefined;
let gatewaySeconds = 0;
if (withGateway) {
  process.stdout.write('GetUserHome through the gateway, against straight to the aggregator ... ');
  const started = performance.now();
  gateway = await measureGateway(context, {
    seconds: config.BENCH_SECONDS,
    repeats: config.REPEATS,
    rate: config.CPU_RATE,
    gatewayCpus: loadCpus,
  });
  gatewaySeconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${Math.round(gatewaySeconds)} s\n${gatewayTargets(gateway)
      .map((t) => `  ${t.verdict} ${t.text}: ${t.figures}\n`)
      .join('')}`,
  );
}

let footprint: Footprint | undefined;
// The footprint belongs with the cases of the table: the gateway case alone leaves that part as it is.
if (selected.length > 0 && config.FOOTPRINT_SECONDS > 0) {
  process.stdout.write('footprint of each GetUserHome process, idle and at 100 req/s ... ');
  // A fresh system: the footprint of processes that have just started, not of ones just pushed to their maximum.
  const target = await homeCase(context, '10%', {});
  try {
    footprint = await measureFootprint(target, {
      loadSeconds: config.FOOTPRINT_SECONDS,
      placement: measureOptions.placement,
    });
  } finally {
    await target.stop();
  }
  process.stdout.write('done\ncontrol room, idle with a page open and with its own load at 100 GetUserHome/s ... ');
  const room = await controlRoomCase(context);
  try {
    footprint.console = await measureConsoleFootprint(room, { loadSeconds: config.FOOTPRINT_SECONDS });
  } finally {
    await room.stop();
  }
  process.stdout.write('done\n');
}
let overload: OverloadResult | undefined;
// Like the footprint, a section of the table's part.
if (selected.length > 0 && config.OVERLOAD_ROUNDS > 0) {
  process.stdout.write('the admission limit at three times the aggregator capacity ... ');
  overload = await measureOverload(context, { rounds: config.OVERLOAD_ROUNDS });
  process.stdout.write('done\n');
}
await receiver.stop();

const date = new Date().toISOString();
const report: BenchReport = {
  date,
  machine: {
    cores,
    cpuModel: machineCpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  },
  versions: {
    node: process.versions.node,
    grpc: (JSON.parse(readFileSync(resolve('node_modules/@grpc/grpc-js/package.json'), 'utf8')) as { version: string })
      .version,
    ghz: ghzVersion,
  },
  placement: { serviceCpus, loadCpus },
  config: {
    seconds: config.BENCH_SECONDS,
    repeats: config.REPEATS,
    rssSeconds: config.RSS_SECONDS,
    concurrency: config.CONCURRENCY,
    cpuRate: config.CPU_RATE,
    footprintSeconds: config.FOOTPRINT_SECONDS,
    overloadRounds: config.OVERLOAD_ROUNDS,
    profile: config.PROFILE,
  },
  expectedMinutes: expectedMinutes(configSchema.parse({}), cases.length, true, true),
  cases: results,
  gateway,
  targets: evaluateTargets(results),
  footprint,
  overload,
  profiles,
};
mkdirSync(config.REPORTS_DIR, { recursive: true });
const reportFile = join(config.REPORTS_DIR, `bench-${date.replace(/[:.]/g, '-')}.json`);
writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
// Each part of BENCHMARKS.md is written when its cases ran; the other parts
// (the inner-loop section make e2e-dev writes among them) are kept.
const benchLines = selected.length > 0 ? benchmarksMarkdown(report, reportFile) : [];
const gatewayLines = gateway
  ? gatewayMarkdown(gateway, {
      date,
      machine: `${report.machine.cores} cores (${report.machine.cpuModel})`,
      seconds: config.BENCH_SECONDS,
      repeats: config.REPEATS,
      elapsedSeconds: gatewaySeconds,
      reportFile,
    })
  : [];
if (benchLines.length > 0) writeBenchPart(config.OUTPUT, benchLines.join('\n'));
if (gatewayLines.length > 0) writeGatewayPart(config.OUTPUT, gatewayLines.join('\n'));
process.stdout.write(
  `\n${[...benchLines, ...gatewayLines].join('\n')}\nwritten to ${config.OUTPUT} and ${reportFile}\n`,
);
