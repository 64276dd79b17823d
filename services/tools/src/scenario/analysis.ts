import { summarize, type Sample, type Summary } from '@demo/testkit/open-loop';

export type Mode = 'on' | 'off';
export type PhaseName = 'baseline' | 'fault' | 'recovery';
export const phaseNames: PhaseName[] = ['baseline', 'fault', 'recovery'];

/** The aggregator's recommendation breaker, sampled through its /metrics. */
export interface BreakerPoint {
  t: number;
  /** 0 closed, 1 open, 2 half-open, 3 isolated; NaN when the scrape failed. */
  state: number;
}

export interface RunRecord {
  scenario: string;
  title: string;
  mode: Mode;
  rate: number;
  deadlineMs: number;
  recommendationTimeoutMs: number;
  halfOpenAfterMs: number;
  /** ms since the run started at which each phase begins; the run ends at `endAt`. */
  phaseStarts: Record<PhaseName, number>;
  endAt: number;
  samples: Sample[];
  breaker: BreakerPoint[];
  /** Per phase: calls the aggregator asked recommendation for, and attempts that reached it (retries included). */
  recommendationCalls: Record<PhaseName, { logical: number; attempts: number } | undefined>;
  /** For the replica-killed scenario: the killed replica and the survivor. */
  replicas?: { killed: string; survivor: string };
}

export function phaseOf(record: RunRecord, t: number): PhaseName {
  if (t >= record.phaseStarts.recovery) return 'recovery';
  if (t >= record.phaseStarts.fault) return 'fault';
  return 'baseline';
}

export function phaseSummaries(record: RunRecord): Record<PhaseName, Summary> {
  const byPhase = (phase: PhaseName) => record.samples.filter((s) => phaseOf(record, s.scheduledAt) === phase);
  return {
    baseline: summarize(byPhase('baseline')),
    fault: summarize(byPhase('fault')),
    recovery: summarize(byPhase('recovery')),
  };
}

export function breakerStateAt(record: RunRecord, t: number): number {
  let state = 0;
  for (const point of record.breaker) {
    if (point.t > t) break;
    if (!Number.isNaN(point.state)) state = point.state;
  }
  return state;
}

/**
 * Fault-phase latency split two ways. By what happened to each call: sent to
 * the dependency, or refused by the open (or half-open) circuit, from the
 * reason in the degraded answer. And by the breaker state sampled through
 * /metrics when each call was due, which also counts the half-open probes
 * and the calls near each change of state, as a dashboard would see them.
 */
export function faultByBreaker(record: RunRecord) {
  const fault = record.samples.filter((s) => phaseOf(record, s.scheduledAt) === 'fault');
  const refused = (s: Sample) => s.reason?.startsWith('CIRCUIT_OPEN') === true;
  return {
    sent: summarize(fault.filter((s) => !refused(s))),
    refused: summarize(fault.filter(refused)),
    sampledClosed: summarize(fault.filter((s) => breakerStateAt(record, s.scheduledAt) === 0)),
    sampledOpen: summarize(fault.filter((s) => breakerStateAt(record, s.scheduledAt) !== 0)),
  };
}

/** ms from `from` until the breaker is first seen in `state`, or undefined. */
export function breakerReaches(record: RunRecord, state: number, from: number): number | undefined {
  const point = record.breaker.find((p) => p.t >= from && p.state === state);
  return point === undefined ? undefined : point.t - from;
}

/** ms from the kill until the last request that the survivor did not serve; 0 when none. */
export function survivorTakeover(record: RunRecord): number | undefined {
  if (!record.replicas) return undefined;
  const { survivor } = record.replicas;
  const killedAt = record.phaseStarts.fault;
  const notSurvivor = record.samples.filter(
    (s) => s.scheduledAt >= killedAt && phaseOf(record, s.scheduledAt) === 'fault' && s.replica !== survivor,
  );
  return notSurvivor.length === 0 ? 0 : Math.max(...notSurvivor.map((s) => s.scheduledAt)) - killedAt;
}

export interface Check {
  text: string;
  passed: boolean;
  measured: string;
}

const fmt = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? 'n/a' : `${Math.round(ms)} ms`);

/** The claims the report makes, each with what was measured. */
export function checks(record: RunRecord): Check[] {
  const phases = phaseSummaries(record);
  const fault = phases.fault;
  const list: Check[] = [];
  if (record.scenario === 'recommendation-hung' && record.mode === 'on') {
    const split = faultByBreaker(record);
    const okShare = (fault.ok + fault.degraded) / Math.max(1, fault.count);
    const opened = breakerReaches(record, 1, record.phaseStarts.fault);
    const closed = breakerReaches(record, 0, record.phaseStarts.recovery);
    list.push(
      { text: 'no client-visible error', passed: fault.errors === 0, measured: `${fault.errors} errors` },
      {
        text: 'at least 99% of answers OK (degraded included)',
        passed: okShare >= 0.99,
        measured: `${(okShare * 100).toFixed(2)}%`,
      },
      {
        text: `p99 of the calls sent to recommendation while the breaker was closed at most its deadline + 50 ms (${record.recommendationTimeoutMs + 50} ms)`,
        passed: !(split.sent.p99 > record.recommendationTimeoutMs + 50),
        measured: `${fmt(split.sent.p99)} over ${split.sent.count} calls (p99 while sampled closed: ${fmt(split.sampledClosed.p99)})`,
      },
      {
        text: 'p99 of the calls the open breaker answered under 20 ms',
        passed: split.refused.p99 < 20,
        measured: `${fmt(split.refused.p99)} over ${split.refused.count} calls (p99 while sampled open or half-open, probes included: ${fmt(split.sampledOpen.p99)})`,
      },
      {
        text: 'the breaker opens within 2 s of the fault',
        passed: opened !== undefined && opened <= 2000,
        measured: fmt(opened),
      },
      {
        text: `the breaker closes within the half-open delay + 2 s (${record.halfOpenAfterMs + 2000} ms) of clearing it`,
        passed: closed !== undefined && closed <= record.halfOpenAfterMs + 2000,
        measured: fmt(closed),
      },
    );
  }
  if (record.scenario === 'recommendation-hung' && record.mode === 'off') {
    list.push({
      text: 'the cascade: client errors or deadline expiries, p99 at the client deadline',
      passed: fault.errors > 0 && fault.p99 >= record.deadlineMs * 0.95,
      measured: `${fault.errors} errors ${JSON.stringify(fault.errorsByCode)}, p99 ${fmt(fault.p99)}`,
    });
  }
  if (record.scenario === 'recommendation-erroring' && record.mode === 'on') {
    const calls = record.recommendationCalls.fault;
    const ratio = calls && calls.logical > 0 ? calls.attempts / calls.logical : Number.NaN;
    list.push({
      text: 'calls reaching recommendation at most 1.2 times the calls without retries',
      passed: ratio <= 1.2,
      measured: calls ? `${calls.attempts} attempts for ${calls.logical} calls (${ratio.toFixed(3)}x)` : 'n/a',
    });
  }
  if (record.scenario === 'replica-killed' && record.mode === 'on') {
    const failedShare = fault.errors / Math.max(1, fault.count);
    const takeover = survivorTakeover(record);
    list.push(
      {
        text: 'at most 0.1% of calls fail',
        passed: failedShare <= 0.001,
        measured: `${fault.errors} of ${fault.count} (${(failedShare * 100).toFixed(3)}%)`,
      },
      {
        text: 'the survivor takes all traffic within a second',
        passed: takeover !== undefined && takeover <= 1000,
        measured: fmt(takeover),
      },
    );
  }
  return list;
}
