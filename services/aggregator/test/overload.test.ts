import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOpenLoop, percentile, type Result } from '@demo/tools/load';
import { scrapeMetric } from '@demo/platform/testing';
import { createUser, startLocalSystem, testToken, type LocalSystem } from './system.js';

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
/**
 * The admission limit for this machine: by Little's law, admitted calls wait
 * about the limit divided by the throughput, and two shared cores give a few
 * hundred calls a second, so 32 keeps that near 100 ms (the default, 64, is
 * for a core of its own).
 */
const maxInFlight = 32;
/** Fewer than the limit, so that measuring capacity is never shed. */
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

/**
 * Other work on a shared machine can only disturb a measurement, and the
 * failure this test guards against is no near miss (without shedding, a few
 * calls in a thousand succeed), so an attempt is repeated when it falls
 * short, up to three times, and every attempt is printed.
 */
const maxAttempts = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** One measurement: capacity and 3x overload in turns, `rounds` times, and what it shows. */
async function overloadAttempt(
  send: () => Promise<Outcome>,
  metric: { breakerOpenings: () => Promise<number>; shedCounted: () => Promise<number> },
) {
  const openingsBefore = await metric.breakerOpenings();
  const shedCountedBefore = await metric.shedCounted();
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

  const count = (outcome: string) => outcomes.filter((o) => o.outcome === outcome).length;
  // A call that ran out of time was admitted and is as slow as its deadline.
  const admitted = outcomes.filter((o) => ['ok', 'degraded', 'error:DEADLINE_EXCEEDED'].includes(o.outcome));
  const shed = outcomes.filter((o) => o.outcome === 'error:RESOURCE_EXHAUSTED');
  const p99 = (of: Outcome[]) =>
    percentile(
      of.map((o) => o.latencyMs),
      99,
    );
  const result = {
    capacity: capacities.reduce((sum, c) => sum + c, 0) / capacities.length,
    goodputRatio: median(ratios),
    shed: shed.length,
    admittedP99: p99(admitted),
    otherErrors: outcomes.length - admitted.length - shed.length,
    breakerOpenings: (await metric.breakerOpenings()) - openingsBefore,
    shedCounted: (await metric.shedCounted()) - shedCountedBefore,
  };
  console.log(
    `overload: capacity ${result.capacity.toFixed(0)} ok/s (windows ${capacities.map((c) => c.toFixed(0)).join(', ')}); ` +
      `3x offered in ${rounds} windows of ${windowMs} ms, ${outcomes.length} calls; ` +
      `goodput/capacity ${ratios.map((r) => `${(100 * r).toFixed(0)}%`).join(', ')} (median ${(100 * result.goodputRatio).toFixed(0)}%); ` +
      `${count('ok')} ok, ${count('degraded')} degraded, ${shed.length} RESOURCE_EXHAUSTED, ` +
      `${count('error:DEADLINE_EXCEEDED')} DEADLINE_EXCEEDED, ${result.otherErrors} other; ` +
      `admitted p99 ${result.admittedP99.toFixed(0)} ms, shed p99 ${p99(shed).toFixed(0)} ms; ` +
      `breaker openings ${result.breakerOpenings}`,
  );
  return result;
}

const holds = (r: Awaited<ReturnType<typeof overloadAttempt>>) =>
  r.shed > 0 && r.admittedP99 < deadlineMs && r.goodputRatio >= 0.8 && r.breakerOpenings === 0 && r.otherErrors === 0;

test('at three times its capacity the aggregator sheds the excess at once: admitted calls stay fast, goodput stays near capacity, no breaker opens', async () => {
  // The services on one core and this load on the other, so that offering
  // three times as many calls does not itself take CPU from the services.
  execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });
  // The services log as ever, but to nowhere: parsing their lines here would
  // cost this load generator more than the calls themselves.
  const system: LocalSystem = await startLocalSystem(
    { ADMISSION_MAX_IN_FLIGHT: String(maxInFlight) },
    { cpus: '1', collectLogs: false },
  );
  try {
    const userId = (await createUser(system, 'Leslie Lamport', 'leslie@example.com')).id;
    const userToken = await testToken();
    const send = async (): Promise<Outcome> => {
      const { outcome, latencyMs } = await system.home.home(userId, { token: userToken, deadlineMs });
      return { outcome, latencyMs };
    };
    // Warm up: connections, JIT, the token cache.
    for (let i = 0; i < 200; i += 1) await send();

    const breakerOpenings = async () => {
      let total = 0;
      for (const dependency of ['user', 'recommendation']) {
        total += await scrapeMetric(
          system.aggregator.metricsPort ?? 0,
          'aggregator_circuit_breaker_transitions_total',
          {
            dependency,
            state: 'open',
          },
        );
      }
      return total;
    };
    // Shed calls are counted as go-grpc-prometheus counts every call, so dashboards see them.
    const shedCounted = () =>
      scrapeMetric(system.aggregator.metricsPort ?? 0, 'grpc_server_handled_total', {
        grpc_method: 'GetUserHome',
        grpc_code: 'ResourceExhausted',
      });
    let result = await overloadAttempt(send, { breakerOpenings, shedCounted });
    for (let attempt = 1; attempt < maxAttempts && !holds(result); attempt += 1) {
      result = await overloadAttempt(send, { breakerOpenings, shedCounted });
    }

    assert.ok(result.shed > 0, 'the excess was shed');
    assert.ok(result.shedCounted >= result.shed, 'every shed call is in grpc_server_handled_total');
    assert.ok(
      result.admittedP99 < deadlineMs,
      `admitted calls' p99 ${result.admittedP99.toFixed(0)} ms is under their deadline`,
    );
    assert.ok(
      result.goodputRatio >= 0.8,
      `goodput is at least 80% of capacity (median ${result.goodputRatio.toFixed(2)})`,
    );
    assert.equal(result.breakerOpenings, 0, "no dependency's breaker opened");
    assert.equal(result.otherErrors, 0, 'every call was answered, refused at once, or ran out of time');
  } finally {
    await system.stop();
  }
});
