/**
 * Open-loop load for make load, the scenarios and the benchmarks: the
 * platform's OpenLoop (request i sent at start + i / rate, answered or not),
 * each request's latency from its due time, and the summary of a run.
 */
import { OpenLoop, statusOfOutcome, type HomeOutcome } from '@demo/platform';

/** What one request came back with: its outcome and, when it says, the replica that served recommendations. */
export interface Result {
  outcome: HomeOutcome;
  replica?: string | undefined;
  /** For a degraded answer, why: "CIRCUIT_OPEN: ...", "DEADLINE_EXCEEDED: ...". */
  reason?: string | undefined;
}

export interface Sample extends Result {
  /** ms since the run started, when the request was due. */
  scheduledAt: number;
  latencyMs: number;
}

export interface OpenLoopOptions {
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Sends one request; resolves with its result (it must not reject). */
  send: () => Promise<Result>;
  /** Called with every finished sample, as it finishes. */
  onSample?: (sample: Sample) => void;
  /** Stops scheduling early when aborted; requests already sent still finish. */
  signal?: AbortSignal;
}

/** Runs the platform's open loop for `durationMs` at `rate`; the samples in the order they were due. */
export async function runOpenLoop(options: OpenLoopOptions): Promise<Sample[]> {
  const samples: Sample[] = [];
  const started = performance.now();
  const loop = new OpenLoop({
    rate: options.rate,
    total: Math.floor((options.durationMs / 1000) * options.rate),
    ...(options.signal ? { signal: options.signal } : {}),
    send: async ({ dueAt }) => {
      const result = await options.send();
      const sample = { ...result, scheduledAt: dueAt - started, latencyMs: performance.now() - dueAt };
      samples.push(sample);
      options.onSample?.(sample);
    },
  });
  await loop.finished();
  return samples.sort((a, b) => a.scheduledAt - b.scheduledAt);
}

/** The p-th percentile (0 to 100) of `values` by nearest rank; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export interface Summary {
  count: number;
  ok: number;
  degraded: number;
  errors: number;
  errorsByCode: Record<string, number>;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export function summarize(samples: readonly Sample[]): Summary {
  const latencies = samples.map((s) => s.latencyMs);
  const errorsByCode: Record<string, number> = {};
  for (const { outcome } of samples) {
    const code = statusOfOutcome(outcome);
    if (code !== undefined) errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
  }
  const ok = samples.filter((s) => s.outcome === 'ok').length;
  const degraded = samples.filter((s) => s.outcome === 'degraded').length;
  return {
    count: samples.length,
    ok,
    degraded,
    errors: samples.length - ok - degraded,
    errorsByCode,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    p999: percentile(latencies, 99.9),
    max: latencies.length === 0 ? Number.NaN : Math.max(...latencies),
  };
}

export const formatMs = (ms: number) => (Number.isNaN(ms) ? '-' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
