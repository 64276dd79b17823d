// BENCHMARKS.md from what `make bench` measured: the table, how each
// column is measured, the targets with their figures, the footprint and
// (with PROFILE=1) where the CPU went.
import { formatMs } from '@demo/testkit/open-loop';
import type { ConsoleFootprint, Footprint, ProcessFootprint } from './footprint.js';
import type { GatewayRun } from './gateway.js';
import type { CaseResult, FixedRateRun, RunFigures } from './measure.js';
import { overloadGoodput, overloadHolds, type OverloadResult } from './overload.js';

export interface BenchReport {
  date: string;
  machine: { cores: number; cpuModel: string; memoryGiB: number };
  versions: { node: string; grpc: string; ghz: string };
  /** taskset's CPU lists; undefined on one core, where services and load share it. */
  placement: { serviceCpus: string | undefined; loadCpus: string | undefined };
  config: {
    seconds: number;
    repeats: number;
    rssSeconds: number;
    concurrency: number;
    cpuRate: number;
    footprintSeconds: number;
    overloadRounds: number;
    profile: boolean;
  };
  /** How long `make bench` takes at the defaults. */
  expectedMinutes: number;
  cases: CaseResult[];
  /** The gateway case's runs, when it ran (its section of BENCHMARKS.md is gateway.ts's). */
  gateway?: GatewayRun[] | undefined;
  targets: TargetResult[];
  footprint: Footprint | undefined;
  overload: OverloadResult | undefined;
  profiles: { label: string; lines: string[] }[];
}

export interface TargetResult {
  /** SKIP when a case it needs was not run. */
  verdict: 'PASS' | 'FAIL' | 'SKIP';
  text: string;
  figures: string;
}

const percent = (x: number) => (Number.isNaN(x) ? '-' : `${(x * 100).toFixed(0)}%`);
const multiple = (x: number) => (Number.isNaN(x) ? '-' : `${x.toFixed(2)}x`);
const formatUs = (us: number) => (Number.isFinite(us) ? (us < 100 ? us.toFixed(1) : us.toFixed(0)) : '-');
const runCount = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
const mib = (kb: number) => (Number.isNaN(kb) ? '-' : (kb / 1024).toFixed(0));

/** Every run of a case: warm-up, closed loop, fixed rate, the reference echo's beside it and the memory run. */
const runsOf = (c: CaseResult): RunFigures[] => [c.warmUp, ...c.closedLoop, ...fixedRunsOf(c)];
const fixedRunsOf = (c: CaseResult): FixedRateRun[] => [
  ...c.fixedRate,
  ...c.cpuRuns,
  ...c.referenceRuns,
  ...(c.rss ? [c.rss.run] : []),
];

/** Failed calls by status over every run of a case. */
export function caseFailures(c: CaseResult): Record<string, number> {
  const total: Record<string, number> = {};
  for (const run of runsOf(c)) {
    for (const [status, count] of Object.entries(run.failures)) total[status] = (total[status] ?? 0) + count;
  }
  return total;
}

/** "Unavailable 3, DeadlineExceeded 1", most first; "0" when none failed. */
export function formatFailures(failures: Record<string, number>): string {
  const entries = Object.entries(failures).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? '0' : entries.map(([status, count]) => `${status} ${count}`).join(', ');
}

/** The run furthest from its asked rate, and the busiest generator, over every fixed-rate run. */
function worstGenerator(runs: readonly FixedRateRun[]) {
  const offBy = (run: FixedRateRun) => Math.abs(run.achievedRate / run.rate - 1);
  const furthest = runs.reduce<FixedRateRun | undefined>(
    (worst, run) => (!worst || offBy(run) > offBy(worst) ? run : worst),
    undefined,
  );
  return {
    achievedRate: furthest?.achievedRate ?? Number.NaN,
    offBy: furthest ? offBy(furthest) : Number.NaN,
    // A run without a reading of ghz's CPU makes the whole NaN: headroom not shown is not headroom.
    generatorCpu:
      runs.length === 0 ? Number.NaN : runs.reduce((max, run) => Math.max(max, run.generatorCpu), -Infinity),
  };
}

export function evaluateTargets(cases: readonly CaseResult[]): TargetResult[] {
  const byName = new Map(cases.map((c) => [c.name, c]));
  const target = (
    text: string,
    needs: string[],
    judge: (get: (name: string) => CaseResult) => { pass: boolean; figures: string },
  ): TargetResult => {
    const missing = needs.filter((name) => !byName.has(name));
    if (missing.length > 0) return { verdict: 'SKIP', text, figures: `not measured: needs ${missing.join(', ')}` };
    const { pass, figures } = judge((name) => {
      const result = byName.get(name);
      if (!result) throw new Error(`no result for ${name}`);
      return result;
    });
    return { verdict: pass ? 'PASS' : 'FAIL', text, figures };
  };
  // CPU per call at the rate common to every case, over the reference
  // echo's measured beside it (measure.ts says why): ratios of these cancel
  // the machine's drift between cases.
  const cpuVsEcho = (c: CaseResult) => c.cpuRateVsEcho;
  const everyCase = cases.map((c) => c.name);

  return [
    target(
      "full platform on one service (telemetry off): at most 1.2x the echo's CPU per call and at least 85% of its throughput",
      ['ceiling', 'platform-off'],
      (get) => {
        const cpuMultiple = cpuVsEcho(get('platform-off'));
        const throughput = get('platform-off').rps / get('ceiling').rps;
        return {
          pass: cpuMultiple <= 1.2 && throughput >= 0.85,
          figures: `${multiple(cpuMultiple)} the CPU per call, ${percent(throughput)} of the throughput`,
        };
      },
    ),
    target(
      "GetUserHome, telemetry off: at most 6x the echo's CPU per call (summed over its four processes) and at least 15% of its throughput",
      ['ceiling', 'home-off'],
      (get) => {
        const cpuMultiple = cpuVsEcho(get('home-off'));
        const throughput = get('home-off').rps / get('ceiling').rps;
        return {
          pass: cpuMultiple <= 6 && throughput >= 0.15,
          figures: `${multiple(cpuMultiple)} the CPU per call, ${percent(throughput)} of the throughput`,
        };
      },
    ),
    target(
      'telemetry at 10% sampling adds at most 10% CPU per GetUserHome call and costs at most 15% of its throughput',
      ['home-off', 'home-10'],
      (get) => {
        const added = cpuVsEcho(get('home-10')) / cpuVsEcho(get('home-off')) - 1;
        // Printed as the loss: 44% lost reads "costs 44%", not the 56% kept.
        const lost = 1 - get('home-10').rps / get('home-off').rps;
        return {
          pass: added <= 0.1 && lost <= 0.15,
          figures: `adds ${percent(added)} CPU per call, costs ${percent(lost)} of the throughput`,
        };
      },
    ),
    target(
      'every trace sampled (100%) costs at most 35% of GetUserHome throughput (against telemetry off)',
      ['home-off', 'home-100'],
      (get) => {
        const lost = 1 - get('home-100').rps / get('home-off').rps;
        return { pass: lost <= 0.35, figures: `costs ${percent(lost)}` };
      },
    ),
    target(
      'the degraded path (breaker open) at least as fast as the healthy path (10%): throughput, and CPU per call no higher',
      ['home-10', 'home-degraded'],
      (get) => {
        const throughput = get('home-degraded').rps / get('home-10').rps;
        const cpuMultiple = cpuVsEcho(get('home-degraded')) / cpuVsEcho(get('home-10'));
        return {
          pass: throughput >= 1 && cpuMultiple <= 1,
          figures: `${percent(throughput)} of the throughput, ${multiple(cpuMultiple)} the CPU per call`,
        };
      },
    ),
    rssTarget(byName.get('home-10')),
    target(
      'zero failed calls in every case, the degraded one too (it degrades, it does not fail)',
      everyCase,
      (get) => {
        const failed = everyCase
          .map((name) => [name, formatFailures(caseFailures(get(name)))] as const)
          .filter(([, text]) => text !== '0');
        return {
          pass: failed.length === 0,
          figures: failed.length === 0 ? 'none' : failed.map(([name, text]) => `${name}: ${text}`).join('; '),
        };
      },
    ),
    target(
      'the load generator had headroom in every fixed-rate run: ghz below 70% of its core, the achieved rate within 2% of the asked',
      everyCase,
      (get) => {
        const worst = worstGenerator(everyCase.flatMap((name) => fixedRunsOf(get(name))));
        return {
          pass: worst.generatorCpu < 0.7 && worst.offBy <= 0.02,
          figures: `ghz at most ${percent(worst.generatorCpu)} of its core, the achieved rate at most ${(worst.offBy * 100).toFixed(1)}% off`,
        };
      },
    ),
  ];
}

function rssTarget(home: CaseResult | undefined): TargetResult {
  const text = 'RSS flat over the memory run at the fixed rate: at most 10% growth, per process';
  if (!home) return { verdict: 'SKIP', text, figures: 'not measured: needs home-10' };
  if (!home.rss) return { verdict: 'SKIP', text, figures: 'not measured: RSS_SECONDS=0' };
  const growth = home.rss.processes.map((p) => ({ name: p.name, growth: p.lateKb / p.earlyKb - 1 }));
  return {
    verdict: growth.every((g) => g.growth <= 0.1) ? 'PASS' : 'FAIL',
    text,
    figures: `after ${home.rss.seconds} s at ${home.rss.run.rate} req/s against after ${Math.min(10, home.rss.seconds / 2)} s: ${growth.map((g) => `${g.name} ${(g.growth * 100).toFixed(1)}%`).join(', ')}`,
  };
}

export function benchmarksMarkdown(report: BenchReport, reportFile: string): string[] {
  const { config } = report;
  const ceiling = report.cases.find((c) => c.name === 'ceiling');
  return [
    '# Benchmarks',
    '',
    `Measured ${report.date.slice(0, 10)} by \`make bench\` on ${report.machine.cores} cores (${report.machine.cpuModel}), ${report.machine.memoryGiB} GiB;`,
    `Node ${report.versions.node}, @grpc/grpc-js ${report.versions.grpc}, ghz ${report.versions.ghz}. ${report.placement.serviceCpus ? `Services pinned to CPU ${report.placement.serviceCpus}, the load (ghz, and this harness with the OTLP receiver) to CPU ${report.placement.loadCpus}.` : 'One core: services and load share it.'}`,
    ...(config.profile
      ? [
          '',
          '**Measured with `PROFILE=1`: every service ran under the CPU profiler, so every figure is worse than without it.**',
        ]
      : []),
    '',
    ...columnNotes(report),
    '',
    `| case | CPU µs/call at ${report.config.cpuRate}/s | × echo | CPU µs/call at the fixed rate | CPU µs/call at max | max req/s | vs echo | runs | fixed rate | achieved | ghz CPU | p50 ms | p99 ms | p99.9 ms | errors |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...report.cases.map((c) => {
      // Beside the fixed rate, its own runs; the headroom target looks at every run at a fixed rate.
      const generator = worstGenerator(c.fixedRate);
      return `| ${[
        c.label,
        formatUs(c.cpuRateCpuUsPerCall),
        c.cpuRateVsEcho.toFixed(2),
        formatUs(c.fixedRateCpuUsPerCall),
        formatUs(c.cpuUsPerCall),
        Math.round(c.rps),
        ceiling ? percent(c.rps / ceiling.rps) : '-',
        c.closedLoop.map((r) => Math.round(r.rps)).join(', '),
        c.rate,
        Math.round(generator.achievedRate),
        percent(generator.generatorCpu),
        formatMs(c.p50),
        formatMs(c.p99),
        formatMs(c.p999),
        formatFailures(caseFailures(c)),
      ].join(' | ')} |`;
    }),
    '',
    '## Targets',
    '',
    ...report.targets.map((t) => `- ${t.verdict} ${t.text}: ${t.figures}`),
    ...(report.footprint ? ['', ...footprintLines(report.footprint)] : []),
    ...(report.overload ? ['', ...overloadLines(report.overload)] : []),
    ...report.profiles.flatMap((p) => ['', `## Profile: ${p.label}`, '', ...p.lines]),
    '',
    `Reproduce with \`make bench\` (about ${report.expectedMinutes} minutes); \`BENCH_SECONDS\`, \`REPEATS\`, \`RSS_SECONDS\`, \`FOOTPRINT_SECONDS\`, \`OVERLOAD_ROUNDS\` and \`CASES\` shorten it, and \`PROFILE=1\` profiles every service (reports/bench-profiles/). Every figure, each failed call's message included, is in ${reportFile}.`,
    '',
  ];
}

function columnNotes(report: BenchReport): string[] {
  const { config } = report;
  return [
    'How each column is measured:',
    '',
    `- **CPU µs/call at ${config.cpuRate}/s**: the CPU time (user + system, every thread, from \`/proc/<pid>/stat\` in 10 ms clock ticks) of every process of the case, read before and after each of ${runCount(config.repeats)} of ${config.seconds} s at ${config.cpuRate} calls a second (ghz, constant rate), over the calls answered, summed over the processes (four for GetUserHome); median of the runs. Every case at the same rate, because a process's CPU per call falls as its rate rises (more calls share each wake-up, read and write); **× echo**: the figure the targets use: the median, over the runs, of the case's CPU per call over that of the echo server measured right after it. One echo server runs beside every case for the whole bench, idle but for those runs, because what a call costs at this rate on a shared machine drifts over the minutes between cases (the echo alone cost 253 µs a call in one full run and 200 in the next); a case and the echo measured side by side drift together.`,
    "- **CPU µs/call at the fixed rate** (half the maximum) and **at max** (the closed-loop runs): the same, at each case's own rates. CPU per call at max times the throughput gives the cores the services used: less than all of theirs means the load or the machine, not the services, set the maximum.",
    `- **max req/s**: ghz, closed loop, ${config.concurrency} workers on 4 connections, ${config.seconds} s, median of ${runCount(config.repeats)} (**runs**) after a warm-up.`,
    `- **fixed rate**: half of that, sent by ghz at a constant rate (\`--rps\`, 4 connections, workers for 50 ms of calls in flight, 50 to 1000) for ${config.seconds} s, ${runCount(config.repeats)}${config.rssSeconds > 0 ? `, and for ${config.rssSeconds} s more for the memory check of GetUserHome at 10%` : ''}.`,
    "- **achieved**: the calls ghz sent a second, from its first send to its last, in the run at the fixed rate furthest from it; **ghz CPU**: ghz's own CPU while the calls went out (polled from /proc every 100 ms), as a share of its one core, in its busiest run at the fixed rate (the headroom target below covers every run at a constant rate).",
    "- **p50, p99, p99.9**: latency from each call's scheduled send time (call i due i / rate after the first, as ghz's pacer releases them), not from when ghz got to send it, so a late send counts against the latency; median of the runs.",
    '- **errors**: the calls that came back with a status other than OK in every run of the case, the warm-up too, by status. The server ghz calls keeps its connections for the whole run: ghz is a grpc-go client, which can fail a call that races a connection-age GOAWAY ([grpc/grpc-go#2767](https://github.com/grpc/grpc-go/issues/2767)). Between the services, connections age every 30 s as in the chart, and grpc-js loses no call to it.',
  ];
}

const chartQuantities = (r: { cpu: string; memory: string } | undefined) => (r ? `${r.cpu} / ${r.memory}` : '-');

/** One process's row: idle RSS and CPU, loaded RSS and CPU, the chart's requests and limits. */
const footprintRow = (p: ProcessFootprint) =>
  `| ${[p.name, mib(p.idle.rssKb), Math.round(p.idle.millicores), mib(p.loaded.rssKb), Math.round(p.loaded.millicores), chartQuantities(p.chart?.requests), chartQuantities(p.chart?.limits)].join(' | ')} |`;

function footprintLines(footprint: Footprint): string[] {
  return [
    '## Footprint',
    '',
    `Each process of GetUserHome (telemetry at 10% to the OTLP receiver), idle over ${footprint.idleSeconds} s from ${footprint.idleSeconds} s after the start, then at ${footprint.rate} GetUserHome/s (ghz, constant rate) over ${footprint.loadSeconds} s; CPU in millicores, RSS at the end of each. Beside them, what the chart (helm/grpc-demo/values.yaml) requests and limits, CPU / memory. These are plain processes without the pod's memory limit, from which Node sizes its heap in the cluster, so their RSS can be higher than a pod's.`,
    '',
    `| process | idle RSS MiB | idle CPU m | RSS MiB at ${footprint.rate}/s | CPU m at ${footprint.rate}/s | chart requests | chart limits |`,
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
    ...footprint.processes.map(footprintRow),
    '',
    `Failed calls at ${footprint.rate}/s: ${formatFailures(footprint.failures)}.`,
    ...(footprint.console ? ['', ...consoleFootprintLines(footprint.console, footprint)] : []),
  ];
}

function consoleFootprintLines(room: ConsoleFootprint, footprint: Footprint): string[] {
  return [
    `The control room (the console), on a system of its own, with one page open (its event stream read as a browser reads it): idle, measured as above, then while its own load generator sends ${footprint.rate} GetUserHome/s and it charts them, over ${footprint.loadSeconds} s.`,
    '',
    `| process | idle RSS MiB | idle CPU m | RSS MiB at its own ${footprint.rate}/s | CPU m at its own ${footprint.rate}/s | chart requests | chart limits |`,
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
    footprintRow(room),
    '',
    `Its load generator made ${room.loadCalls.made} calls, ${room.loadCalls.ok} answered OK.`,
  ];
}

function overloadLines(r: OverloadResult): string[] {
  const capacity = r.capacities.reduce((sum, c) => sum + c, 0) / r.capacities.length;
  return [
    '## Overload',
    '',
    `GetUserHome at three times the aggregator's capacity, with an admission limit of ${r.maxInFlight} calls in flight (ADMISSION_MAX_IN_FLIGHT) and a ${r.deadlineMs} ms deadline on every call: ${r.rounds} rounds of a ${r.windowMs} ms window of capacity (${r.closedLoopCallers} callers, closed loop) then a ${r.windowMs} ms window offered three times the capacity just measured (open loop). Capacity moves from second to second on a shared machine, so each overload window's goodput is compared with the capacity measured on either side of it.`,
    '',
    `- ${overloadHolds(r) ? 'PASS' : 'FAIL'} the excess shed at once: admitted calls within their deadline, goodput at least 80% of capacity, no breaker opened, every call answered, refused or out of time`,
    `- capacity ${capacity.toFixed(0)} ok/s (windows ${r.capacities.map((c) => c.toFixed(0)).join(', ')}); goodput over capacity ${r.goodputRatios.map((g) => percent(g)).join(', ')} (median ${percent(overloadGoodput(r))})`,
    `- ${r.calls} calls offered: ${r.ok} ok, ${r.degraded} degraded, ${r.shed} RESOURCE_EXHAUSTED (${r.shedCounted} in grpc_server_handled_total), ${r.deadlineExceeded} DEADLINE_EXCEEDED, ${r.otherErrors} other`,
    `- p99 from each call's send: admitted ${formatMs(r.admittedP99Ms)} ms, shed ${formatMs(r.shedP99Ms)} ms; breaker openings ${r.breakerOpenings}`,
  ];
}
