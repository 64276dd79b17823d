import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { runOpenLoop, percentile, type Result } from '@demo/tools/load';
import { scrapeMetric } from '@demo/platform/testing';
import { bearer, createUser, getUserHome, startLocalSystem, type LocalSystem } from './system.js';

// Measures the aggregator's capacity, then offers it three times as much.
// On a shared machine capacity itself wobbles from second to second, so the
// two are measured in turns, in short windows: each overload window is
// offered three times the capacity measured just before it, and its goodput
// is compared with the capacity measured on either side of it. The median
// over the rounds is asserted, so one window that a neighbour's build
// disturbed does not decide. Every phase is bounded in calls and in time.
const rounds = 5;
const windowMs = 1500;
const deadlineMs = 1000;
/** Below the admission limit (ADMISSION_MAX_IN_FLIGHT, 32), so that measuring capacity is never shed. */
const closedLoopCallers = 24;

interface Outcome {
  outcome: Result['outcome'];
  /** From the moment the call was sent, as its deadline is: the load generator's own lag is not the aggregator's. */
  latencyMs: number;
}

/** Closed loop: how many ok answers a second `closedLoopCallers` callers get, back to back. */
async function measureCapacity(send: () => Promise<Outcome>): Promise<number> {
  const started = performance.now();
  const until = started + windowMs;
  let ok = 0;
  const caller = async () => {
    for (let i = 0; i < 20_000 && performance.now() < until; i += 1) {
      if ((await send()).outcome === 'ok') ok += 1;
    }
  };
  await Promise.all(Array.from({ length: closedLoopCallers }, caller));
  return ok / ((performance.now() - started) / 1000);
}

/** How far apart the capacity windows of one attempt are: 1 on a quiet machine. */
const spreadOf = (capacities: number[]) => Math.max(...capacities) / Math.min(...capacities);
/** An attempt whose capacity windows differ more than this was disturbed by other work on the machine. */
const quietSpread = 1.5;
const maxAttempts = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** One measurement: capacity and 3x overload in turns, `rounds` times. */
async function overloadAttempt(send: () => Promise<Outcome>) {
  const capacities = [await measureCapacity(send)];
  const outcomes: Outcome[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const before = capacities[capacities.length - 1] ?? 0;
    let ok = 0;
    await runOpenLoop({
      rate: Math.max(1, Math.round(3 * before)),
      durationMs: windowMs,
      send: async () => {
        const outcome = await send();
        outcomes.push(outcome);
        if (outcome.outcome === 'ok') ok += 1;
        return outcome;
      },
    });
    const after = await measureCapacity(send);
    capacities.push(after);
    ratios.push(ok / (windowMs / 1000) / ((before + after) / 2));
  }

  return { capacities, outcomes, ratios };
}

test('at three times its capacity the aggregator sheds the excess at once: admitted calls stay fast, goodput stays near capacity, no breaker opens', async () => {
  // The services on one core and this load on the other, so that offering
  // three times as many calls does not itself take CPU from the services.
  execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });
  // The services log as ever, but to nowhere: parsing their lines here would
  // cost this load generator more than the calls themselves.
  const system: LocalSystem = await startLocalSystem({}, { cpus: '1', collectLogs: false });
  try {
    const userId = (await createUser(system, 'Leslie Lamport', 'leslie@example.com')).id;
    const authorization = await bearer();
    const send = async (): Promise<Outcome> => {
      const sent = performance.now();
      try {
        const { response } = await getUserHome(system, { userId }, { authorization, timeoutMs: deadlineMs });
        return { outcome: response.degraded ? 'degraded' : 'ok', latencyMs: performance.now() - sent };
      } catch (error) {
        const code = grpc.status[(error as grpc.ServiceError).code];
        return { outcome: `error:${code}`, latencyMs: performance.now() - sent };
      }
    };
    // Warm up: connections, JIT, the token cache.
    for (let i = 0; i < 200; i += 1) await send();

    // Attempts whose capacity windows disagree were disturbed by other work on
    // the machine and say little; up to three are made, and the quietest judged.
    let attempt: Awaited<ReturnType<typeof overloadAttempt>> | undefined;
    for (let i = 0; i < maxAttempts && (attempt === undefined || spreadOf(attempt.capacities) > quietSpread); i += 1) {
      const next = await overloadAttempt(send);
      console.log(
        `overload attempt ${i + 1}: capacity windows ${next.capacities.map((c) => c.toFixed(0)).join(', ')} ok/s (spread ${spreadOf(next.capacities).toFixed(2)})`,
      );
      if (attempt === undefined || spreadOf(next.capacities) < spreadOf(attempt.capacities)) attempt = next;
    }
    assert.ok(attempt);
    const { capacities, outcomes, ratios } = attempt;
    const capacity = capacities.reduce((sum, c) => sum + c, 0) / capacities.length;
    const count = (outcome: string) => outcomes.filter((o) => o.outcome === outcome).length;
    const admitted = outcomes.filter((o) => o.outcome === 'ok' || o.outcome === 'degraded');
    const shed = outcomes.filter((o) => o.outcome === 'error:RESOURCE_EXHAUSTED');
    const others = outcomes.length - admitted.length - shed.length;
    const p99 = (of: Outcome[]) =>
      percentile(
        of.map((o) => o.latencyMs),
        99,
      );
    const opened = async (dependency: string) =>
      scrapeMetric(system.aggregator.metricsPort ?? 0, 'aggregator_circuit_breaker_transitions_total', {
        dependency,
        state: 'open',
      });
    const breakerOpenings = (await opened('user')) + (await opened('recommendation'));
    console.log(
      `overload: capacity ${capacity.toFixed(0)} ok/s (windows: ${capacities.map((c) => c.toFixed(0)).join(', ')}); ` +
        `3x offered in ${rounds} windows of ${windowMs} ms, ${outcomes.length} calls: ` +
        `goodput/capacity per window ${ratios.map((r) => `${(100 * r).toFixed(0)}%`).join(', ')} (median ${(100 * median(ratios)).toFixed(0)}%); ` +
        `${count('ok')} ok, ${count('degraded')} degraded, ${shed.length} RESOURCE_EXHAUSTED, ${others} other; ` +
        `admitted p99 ${p99(admitted).toFixed(0)} ms, shed p99 ${p99(shed).toFixed(0)} ms; breaker openings ${breakerOpenings}`,
    );

    assert.ok(shed.length > 0, 'the excess was shed');
    assert.ok(p99(admitted) < deadlineMs, `admitted calls' p99 ${p99(admitted).toFixed(0)} ms is under their deadline`);
    assert.ok(median(ratios) >= 0.8, `goodput is at least 80% of capacity (median ${median(ratios).toFixed(2)})`);
    assert.equal(breakerOpenings, 0, "no dependency's breaker opened");
    assert.equal(others, 0, 'every call was answered, or refused at once');
  } finally {
    await system.stop();
  }
});
