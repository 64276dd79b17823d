/**
 * Open-loop GetUserHome load from inside the cluster, for the checks that
 * restart or kill pods: the aggregator is reached the way an in-cluster
 * client reaches it (dns:/// over its headless Service, round_robin), not
 * through a port-forward that would die with the one pod it enters.
 *
 * `make e2e` runs this compiled file with the aggregator image's Node and
 * node_modules (`kubectl exec -i`), so it imports only the dependencies in
 * its package.json, which that image has (@demo/platform, whose homeClient
 * makes the calls): eslint.config.js refuses any other import here. Each
 * line on stdin names the phase
 * that calls sent from then on belong to; the end of stdin (or MAX_SECONDS)
 * stops the load, and one JSON line on stdout tells, per phase, every
 * outcome and every failed call's status.
 */
import { createInterface } from 'node:readline';
import { homeClient, OpenLoop, statusOfOutcome } from '@demo/platform';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const target = env('TARGET');
const token = env('TOKEN');
const rate = Number(env('RATE', '50'));
const maxSeconds = Number(env('MAX_SECONDS', '600'));
const deadlineMs = Number(env('DEADLINE_MS', '2000'));

/** What the JSON line on stdout tells of one phase (make e2e reads it). */
export interface PhaseSummary {
  sent: number;
  ok: number;
  degraded: number;
  failed: Record<string, number>;
  /** The first few failures, when and why, for the report. */
  failures: { atMs: number; code: string; details: string }[];
  p50Ms: number | null;
  p99Ms: number | null;
}

interface Phase extends Omit<PhaseSummary, 'p50Ms' | 'p99Ms'> {
  latencies: number[];
}

const client = homeClient(target, { token, deadlineMs });

const phases = new Map<string, Phase>();
let phase = 'start';
const started = performance.now();
const phaseOf = (name: string): Phase => {
  let found = phases.get(name);
  if (!found) {
    found = { sent: 0, ok: 0, degraded: 0, failed: {}, failures: [], latencies: [] };
    phases.set(name, found);
  }
  return found;
};

async function send(scheduledAt: number, into: Phase, userId: number): Promise<void> {
  into.sent++;
  const call = await client.home(userId, { recommendationLimit: 3 });
  const failed = statusOfOutcome(call.outcome);
  if (failed === undefined) {
    into[call.outcome === 'degraded' ? 'degraded' : 'ok']++;
  } else {
    into.failed[failed] = (into.failed[failed] ?? 0) + 1;
    if (into.failures.length < 20) {
      into.failures.push({ atMs: Math.round(scheduledAt), code: failed, details: call.reason ?? '' });
    }
  }
  into.latencies.push(performance.now() - started - scheduledAt);
}

const stopping = new AbortController();
const stop = () => stopping.abort();
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim()) phase = line.trim();
  })
  .on('close', stop);
setTimeout(stop, maxSeconds * 1000).unref();

// Call i is due at i / rate, whether or not earlier ones have answered; it counts in the phase of when it went out.
const loop = new OpenLoop({
  rate,
  signal: stopping.signal,
  send: ({ index, dueAt }) => send(dueAt - started, phaseOf(phase), (index % 3) + 1),
});
await loop.finished();
client.close();

const percentileOf = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? null;
};
const summary: Record<string, PhaseSummary> = Object.fromEntries(
  [...phases].map(([name, { latencies, ...counts }]) => [
    name,
    { ...counts, p50Ms: percentileOf(latencies, 50), p99Ms: percentileOf(latencies, 99) },
  ]),
);
process.stdout.write(`${JSON.stringify({ summary })}\n`);
