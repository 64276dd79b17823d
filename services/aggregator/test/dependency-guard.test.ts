import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { CircuitState } from 'cockatiel';
import { DependencyGuard } from '../src/resilience/dependency-guard.js';
import { DependencyFailure, type FailureKind } from '../src/resilience/failures.js';
import { answer, grpcError, scope, testDeps, testSettings, untilCancelled } from './fakes.js';

const newGuard = () => new DependencyGuard('recommendation', testSettings(), testDeps());
const { halfOpenAfterMs } = testSettings().breaker;

/**
 * cockatiel times the half-open delay with Date.now() and has no clock of
 * its own to inject, so these tests mock Date (node:test's mock.timers) and
 * move it on: the delay passes at once, and exactly.
 */
const mockClock = (t: TestContext) => t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
/** Read through a call, so that one assertion on it does not narrow the next. */
const stateOf = (guard: DependencyGuard) => guard.breaker?.state;

async function failureKind(promise: Promise<unknown>): Promise<FailureKind> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DependencyFailure, `a DependencyFailure, not ${String(error)}`);
    return error.kind;
  }
  assert.fail('the call succeeded');
}

/** Ten failing calls in a row: far past the five a second at more than half failing that open the breaker. */
async function failTenTimes(guard: DependencyGuard, fail: () => Promise<never>, callScope = scope) {
  const kinds = new Set<FailureKind>();
  for (let i = 0; i < 10; i += 1) kinds.add(await failureKind(guard.execute(callScope(), fail)));
  return kinds;
}

/** Opens the breaker, then moves the mocked clock past its half-open delay: the next call is the probe. */
async function openAndPassHalfOpenDelay(t: TestContext, guard: DependencyGuard) {
  await failTenTimes(guard, () => Promise.reject(grpcError(status.UNAVAILABLE)));
  assert.equal(stateOf(guard), CircuitState.Open);
  t.mock.timers.tick(halfOpenAfterMs);
}

const healthy = () => Promise.resolve(answer({}));

test("DEADLINE_EXCEEDED caused by the caller's shorter deadline never opens the breaker", async () => {
  const guard = newGuard();
  const kinds = await failTenTimes(
    guard,
    () => Promise.reject(grpcError(status.DEADLINE_EXCEEDED)),
    () => scope({ setBy: 'caller' }),
  );
  assert.deepEqual([...kinds], ['caller_deadline']);
  assert.equal(stateOf(guard), CircuitState.Closed);
});

test("the dependency's own timeout, UNAVAILABLE and its errors each open the breaker", async () => {
  for (const code of [status.DEADLINE_EXCEEDED, status.UNAVAILABLE, status.INTERNAL]) {
    const guard = newGuard();
    await failTenTimes(guard, () => Promise.reject(grpcError(code)));
    assert.equal(stateOf(guard), CircuitState.Open, status[code]);
  }
});

test('calls we cancelled, and answers like NOT_FOUND, never count against the breaker', async () => {
  const guard = newGuard();
  const cancelled = await failTenTimes(
    guard,
    () => Promise.reject(grpcError(status.CANCELLED)),
    () => {
      const controller = new AbortController();
      controller.abort();
      return scope({ signal: controller.signal });
    },
  );
  const notFound = await failTenTimes(guard, () => Promise.reject(grpcError(status.NOT_FOUND)));
  assert.deepEqual([...cancelled, ...notFound], ['cancelled', 'not_found']);
  assert.equal(stateOf(guard), CircuitState.Closed);
});

test('a call whose deadline has already passed calls nobody', async () => {
  const guard = newGuard();
  let called = false;
  const kind = await failureKind(
    guard.execute(scope({ setBy: 'caller', inMs: -1 }), () => {
      called = true;
      return Promise.resolve(answer({}));
    }),
  );
  assert.equal(kind, 'caller_deadline');
  assert.equal(called, false);
});

test('an open breaker refuses every call until its half-open delay has passed, then lets a probe through', async (t) => {
  mockClock(t);
  const guard = newGuard();
  await failTenTimes(guard, () => Promise.reject(grpcError(status.UNAVAILABLE)));
  assert.equal(stateOf(guard), CircuitState.Open);

  t.mock.timers.tick(halfOpenAfterMs - 1);
  let called = false;
  const kind = await failureKind(
    guard.execute(scope(), () => {
      called = true;
      return healthy();
    }),
  );
  assert.equal(kind, 'circuit_open', 'a millisecond before the delay, the call is refused');
  assert.equal(called, false);

  t.mock.timers.tick(1);
  await guard.execute(scope(), healthy);
  assert.equal(stateOf(guard), CircuitState.Closed, 'at the delay, the probe went through and its answer closed it');
});

test('a cancelled half-open probe does not close the circuit; the next probe that gets an answer does', async (t) => {
  mockClock(t);
  const guard = newGuard();
  await openAndPassHalfOpenDelay(t, guard);

  const controller = new AbortController();
  const probe = guard.execute(scope({ signal: controller.signal }), untilCancelled);
  assert.equal(stateOf(guard), CircuitState.HalfOpen, 'the probe is out');
  controller.abort();
  assert.equal(await failureKind(probe), 'cancelled');
  assert.equal(stateOf(guard), CircuitState.Open, 'a probe without an answer proves nothing: open again');

  t.mock.timers.tick(halfOpenAfterMs);
  await guard.execute(scope(), healthy);
  assert.equal(stateOf(guard), CircuitState.Closed);
});

test("a half-open probe cut short by the caller's deadline does not close the circuit either", async (t) => {
  mockClock(t);
  const guard = newGuard();
  await openAndPassHalfOpenDelay(t, guard);
  const kind = await failureKind(
    guard.execute(scope({ setBy: 'caller' }), () => Promise.reject(grpcError(status.DEADLINE_EXCEEDED))),
  );
  assert.equal(kind, 'caller_deadline');
  assert.equal(stateOf(guard), CircuitState.Open, 'open again, to probe after another delay');
});

test('while the half-open probe is out, every other call is refused at once', async (t) => {
  mockClock(t);
  const guard = newGuard();
  await openAndPassHalfOpenDelay(t, guard);
  const controller = new AbortController();
  const probe = guard.execute(scope({ signal: controller.signal }), untilCancelled);
  let called = false;
  const kind = await failureKind(
    guard.execute(scope(), () => {
      called = true;
      return Promise.resolve(answer({}));
    }),
  );
  assert.equal(kind, 'circuit_open');
  assert.equal(called, false);
  controller.abort();
  await failureKind(probe);
});

test('a full bulkhead refuses at once and does not count against the breaker', async () => {
  const guard = newGuard();
  const controller = new AbortController();
  const running = Array.from({ length: 4 }, () => guard.execute(scope({ signal: controller.signal }), untilCancelled));
  const kinds = await failTenTimes(guard, () => Promise.reject(new Error('never called')));
  assert.deepEqual([...kinds], ['bulkhead_full']);
  controller.abort();
  for (const call of running) await failureKind(call);
  assert.equal(stateOf(guard), CircuitState.Closed);
});
