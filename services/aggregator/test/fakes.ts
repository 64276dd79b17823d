/**
 * In-process stand-ins for the aggregator's unit tests: resilience settings,
 * a silent logger and metrics, calls that answer or fail on command.
 */
import { status } from '@grpc/grpc-js';
import { createLogger, createMetricsRegistry, eachDefense, type UnaryResult } from '@demo/platform';
import type { CallScope } from '../src/resilience/deadlines.js';
import { DefenseState } from '../src/resilience/defense-switches.js';
import { resilienceMetrics } from '../src/resilience/metrics.js';
import type { ResilienceSettings } from '../src/resilience/settings.js';

export function testSettings(overrides: Partial<ResilienceSettings> = {}): ResilienceSettings {
  return {
    switches: { ...eachDefense(() => true), retries: false },
    admissionMaxInFlight: undefined,
    deadlineMarginMs: 20,
    timeoutMs: { user: 1000, recommendation: 300 },
    retry: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 200, budgetMaxTokens: 10, budgetTokenRatio: 0.1 },
    // Five calls in the one-second window are enough to open; half-open after the default 2 s,
    // which tests pass on a mocked clock (mock.timers), not by waiting.
    breaker: { failureRatio: 0.5, windowMs: 1000, minimumRps: 5, halfOpenAfterMs: 2000 },
    bulkheadLimits: { user: { concurrency: 4, queue: 0 }, recommendation: { concurrency: 4, queue: 0 } },
    ...overrides,
  };
}

export function testDeps(settings: ResilienceSettings = testSettings()) {
  return {
    metrics: resilienceMetrics(createMetricsRegistry({ service: 'test' })),
    logger: createLogger({ service: 'test', level: 'silent' }),
    switches: new DefenseState(settings.switches),
  };
}

export function scope(options: { setBy?: CallScope['deadlineSetBy']; inMs?: number; signal?: AbortSignal } = {}) {
  return {
    deadline: new Date(Date.now() + (options.inMs ?? 1000)),
    deadlineSetBy: options.setBy ?? 'own_timeout',
    signal: options.signal ?? new AbortController().signal,
  } satisfies CallScope;
}

export const grpcError = (code: status, details = status[code]) =>
  Object.assign(new Error(`${code} ${details}`), { code, details });

export const answer = <T>(response: T): UnaryResult<T> => ({ response, servedBy: 'fake', previousAttempts: 0 });

/** A call that never answers on its own: it rejects CANCELLED when its signal aborts, as grpc-js does. */
export function untilCancelled(callScope: CallScope): Promise<never> {
  return new Promise((_resolve, reject) => {
    const cancel = () => reject(grpcError(status.CANCELLED, 'Cancelled on client'));
    if (callScope.signal.aborted) cancel();
    else callScope.signal.addEventListener('abort', cancel, { once: true });
  });
}
