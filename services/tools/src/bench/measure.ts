// One case of `make bench`, measured: maximum throughput (closed loop),
// then latency at half of it (constant rate), then CPU at the rate common to
// every case, each of those runs followed by one of the reference echo
// server, every run repeated; around each run, the CPU time every process
// of the case used, per call answered.
import type { Target } from './cases.js';
import {
  fixedRateFigures,
  runClosedLoop,
  runFixedRate,
  type FixedRateFigures,
  type GhzPlacement,
  type GhzRun,
} from './ghz.js';
import { rssKb, totalCpuSeconds } from './proc.js';

export interface MeasureOptions {
  seconds: number;
  repeats: number;
  /** Closed-loop workers. */
  concurrency: number;
  placement: GhzPlacement;
  /** A run this long at the fixed rate, for memory growth; 0 for none. */
  rssSeconds: number;
  /**
   * The one rate every case's CPU per call is compared at. A process's CPU
   * per call falls as its rate rises (more calls share each wake-up of its
   * event loop, each read and each write), so figures taken at each case's
   * own rate would compare the echo at thousands a second with GetUserHome
   * at hundreds, and charge GetUserHome for the difference.
   */
  cpuRate: number;
  /**
   * The echo server, running for the whole bench and measured at cpuRate
   * right after each of the case's runs there. What one call costs at a low
   * rate on a shared VM drifts by a quarter over the minutes between cases
   * (the echo cost 253 µs a call in one run and 200 in the next), so each
   * case is compared with the echo measured beside it, not minutes before.
   * Absent for the echo case itself.
   */
  reference?: Target | undefined;
}

/** What every run keeps: how many calls came back, what the services spent on them, and what failed. */
export interface RunFigures {
  count: number;
  /** CPU time (user + system) of every process of the case during the run, over the calls answered. */
  cpuUsPerCall: number;
  failures: Record<string, number>;
  errorMessages: Record<string, number>;
}

export interface ClosedLoopRun extends RunFigures {
  rps: number;
}

export interface FixedRateRun extends RunFigures, FixedRateFigures {
  rate: number;
}

export interface RssCheck {
  seconds: number;
  run: FixedRateRun;
  /** RSS after 10 s of the run (half of it, if shorter) and at its end, per process. */
  processes: { name: string; earlyKb: number; lateKb: number }[];
}

export interface CaseResult {
  name: string;
  label: string;
  processes: string[];
  warmUp: ClosedLoopRun;
  closedLoop: ClosedLoopRun[];
  fixedRate: FixedRateRun[];
  /** At the rate common to every case. */
  cpuRuns: FixedRateRun[];
  rss?: RssCheck | undefined;
  /** Medians of the repeats. */
  rps: number;
  cpuUsPerCall: number;
  rate: number;
  fixedRateCpuUsPerCall: number;
  cpuRate: number;
  /** CPU per call at cpuRate. */
  cpuRateCpuUsPerCall: number;
  /** The reference echo at cpuRate, each run right after one of cpuRuns. */
  referenceRuns: FixedRateRun[];
  /**
   * The figure the targets compare: the median over the repeats of the
   * case's CPU per call at cpuRate over the echo's in the run right after it
   * (1 for the echo itself).
   */
  cpuRateVsEcho: number;
  p50: number;
  p99: number;
  p999: number;
}

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export async function measureCase(
  benchCase: { name: string; label: string },
  target: Target,
  options: MeasureOptions,
): Promise<CaseResult> {
  const pids = target.processes.map((p) => p.child.pid);
  const closedLoop = async (seconds: number): Promise<ClosedLoopRun> => {
    const { run, figures } = await withServiceCpu(pids, () =>
      runClosedLoop(target.ghz, { ...options.placement, seconds, concurrency: options.concurrency }),
    );
    return { rps: run.rps, ...figures };
  };
  const fixedRate = (seconds: number, rate: number, on: Target = target) => fixedRateRun(on, options, seconds, rate);

  const warmUp = await closedLoop(Math.min(2, options.seconds)); // JIT, connections
  const closedRuns: ClosedLoopRun[] = [];
  for (let i = 0; i < options.repeats; i += 1) closedRuns.push(await closedLoop(options.seconds));
  const rate = Math.max(1, Math.round(median(closedRuns.map((r) => r.rps)) / 2));
  const fixedRuns: FixedRateRun[] = [];
  for (let i = 0; i < options.repeats; i += 1) fixedRuns.push(await fixedRate(options.seconds, rate));
  const cpuRuns: FixedRateRun[] = [];
  const referenceRuns: FixedRateRun[] = [];
  for (let i = 0; i < options.repeats; i += 1) {
    cpuRuns.push(await fixedRate(options.seconds, options.cpuRate));
    if (options.reference) referenceRuns.push(await fixedRate(options.seconds, options.cpuRate, options.reference));
  }
  const vsEcho = options.reference
    ? cpuRuns.map((run, i) => run.cpuUsPerCall / (referenceRuns[i]?.cpuUsPerCall ?? Number.NaN))
    : cpuRuns.map(() => 1);

  let rss: RssCheck | undefined;
  if (options.rssSeconds > 0) {
    let early: number[] = [];
    const sampler = setTimeout(() => (early = pids.map(rssKb)), Math.min(10_000, options.rssSeconds * 500));
    const run = await fixedRate(options.rssSeconds, rate);
    clearTimeout(sampler);
    rss = {
      seconds: options.rssSeconds,
      run,
      processes: target.processes.map((p, i) => ({
        name: p.name,
        earlyKb: early[i] ?? Number.NaN,
        lateKb: rssKb(p.child.pid),
      })),
    };
  }

  return {
    name: benchCase.name,
    label: benchCase.label,
    processes: target.processes.map((p) => p.name),
    warmUp,
    closedLoop: closedRuns,
    fixedRate: fixedRuns,
    cpuRuns,
    rss,
    rps: median(closedRuns.map((r) => r.rps)),
    cpuUsPerCall: median(closedRuns.map((r) => r.cpuUsPerCall)),
    rate,
    fixedRateCpuUsPerCall: median(fixedRuns.map((r) => r.cpuUsPerCall)),
    cpuRate: options.cpuRate,
    cpuRateCpuUsPerCall: median(cpuRuns.map((r) => r.cpuUsPerCall)),
    referenceRuns,
    cpuRateVsEcho: median(vsEcho),
    p50: median(fixedRuns.map((r) => r.p50)),
    p99: median(fixedRuns.map((r) => r.p99)),
    p999: median(fixedRuns.map((r) => r.p999)),
  };
}

async function fixedRateRun(
  target: Target,
  options: MeasureOptions,
  seconds: number,
  rate: number,
): Promise<FixedRateRun> {
  const pids = target.processes.map((p) => p.child.pid);
  const { run, figures } = await withServiceCpu(pids, () =>
    runFixedRate(target.ghz, { ...options.placement, seconds, rate }),
  );
  return { rate, ...figures, ...fixedRateFigures(run, rate) };
}

/** Runs `run` between two readings of the processes' CPU time (utime + stime from /proc). */
async function withServiceCpu(
  pids: readonly (number | undefined)[],
  run: () => Promise<GhzRun>,
): Promise<{ run: GhzRun; figures: RunFigures }> {
  const before = totalCpuSeconds(pids);
  const result = await run();
  const cpuSeconds = totalCpuSeconds(pids) - before;
  return {
    run: result,
    figures: {
      count: result.count,
      cpuUsPerCall: (cpuSeconds * 1e6) / result.count,
      failures: result.failures,
      errorMessages: result.errorMessages,
    },
  };
}
