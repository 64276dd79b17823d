import {
  BrokenCircuitError,
  bulkhead,
  circuitBreaker,
  CircuitState,
  handleWhen,
  noop,
  SamplingBreaker,
  wrap,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import { trace } from '@opentelemetry/api';
import { previousAttemptsOf, type Logger, type UnaryResult } from '@demo/platform';
import type { Metadata } from '@grpc/grpc-js';
import type { CallScope } from '../dependencies.js';
import { DeadlineWhileQueuedError, describeFailure, isDependencyTrouble } from './failures.js';
import type { ResilienceMetrics } from './metrics.js';
import type { DefenseState } from './defense-switches.js';
import type { DependencyName, ResilienceSettings } from './settings.js';

/**
 * The circuit breaker and the bulkhead of one dependency, from cockatiel.
 * The breaker is outermost, so an open circuit refuses a call before it
 * takes a bulkhead slot; a full bulkhead refuses at once rather than letting
 * a hung dependency hold every caller. While half-open, one probe call tests
 * the dependency and every other call is refused.
 */
export class DependencyGuard {
  readonly name: DependencyName;
  readonly bulkhead: BulkheadPolicy;
  #breaker: CircuitBreakerPolicy;
  readonly #switches: DefenseState;
  readonly #settings: ResilienceSettings;
  readonly #metrics: ResilienceMetrics;
  readonly #logger: Logger;

  constructor(
    name: DependencyName,
    settings: ResilienceSettings,
    deps: { metrics: ResilienceMetrics; logger: Logger; switches: DefenseState },
  ) {
    this.name = name;
    this.#settings = settings;
    this.#metrics = deps.metrics;
    this.#logger = deps.logger;
    this.#switches = deps.switches;
    this.#breaker = this.#newBreaker();
    // A breaker switched back on starts closed: what it saw before it was
    // switched off says nothing about the dependency now.
    let breakerWasOn = deps.switches.current.circuitBreaker;
    deps.switches.onChange(({ value }) => {
      if (value.circuitBreaker && !breakerWasOn) this.#breaker = this.#newBreaker();
      breakerWasOn = value.circuitBreaker;
    });

    const labels = { dependency: name };
    const { concurrency, queue } = settings.bulkheadLimits[name];
    this.bulkhead = bulkhead(concurrency, queue);
    this.bulkhead.onReject(() => {
      deps.metrics.bulkheadRejections.inc(labels);
      trace.getActiveSpan()?.addEvent('bulkhead.rejected', { dependency: name, concurrency, queue });
    });
    deps.metrics.inFlightSources.set(name, () => concurrency - this.bulkhead.executionSlots);
  }

  /** The breaker in force, or undefined while the circuit breaker is switched off. */
  get breaker(): CircuitBreakerPolicy | undefined {
    return this.#switches.current.circuitBreaker ? this.#breaker : undefined;
  }

  #newBreaker(): CircuitBreakerPolicy {
    const { name } = this;
    const labels = { dependency: name };
    const { failureRatio, windowMs, minimumRps, halfOpenAfterMs } = this.#settings.breaker;
    // cockatiel's SamplingBreaker opens only above minimumRps (by default
    // 5 failures a second at threshold), so it is set for the demo's load.
    const breaker = circuitBreaker(handleWhen(isDependencyTrouble), {
      halfOpenAfter: halfOpenAfterMs,
      breaker: new SamplingBreaker({ threshold: failureRatio, duration: windowMs, minimumRps }),
    });
    this.#metrics.breakerState.set(labels, CircuitState.Closed);
    breaker.onStateChange((state) => {
      this.#metrics.breakerState.set(labels, state);
      this.#metrics.breakerTransitions.inc({ ...labels, state: CircuitState[state].toLowerCase() });
      // The change happens inside the call that caused it, so it lands on that call's span.
      trace.getActiveSpan()?.addEvent('circuit_breaker.state_change', {
        dependency: name,
        state: CircuitState[state].toLowerCase(),
      });
      this.#logger.warn({ dependency: name, state: CircuitState[state] }, 'circuit breaker changed state');
    });
    return breaker;
  }

  /** The breaker and the bulkhead, each as far as it is switched on now. */
  #policy(): IPolicy {
    const { bulkhead: bulkheadOn } = this.#switches.current;
    const policies = [this.breaker, bulkheadOn ? this.bulkhead : undefined].filter(
      (p): p is NonNullable<typeof p> => p !== undefined,
    );
    return policies.length === 0 ? noop : wrap(...policies);
  }

  /**
   * Runs one call through the breaker and the bulkhead. A call still queued
   * for a bulkhead slot when its deadline passes gives up at that moment,
   * not when a slot frees.
   */
  async execute<T>(scope: CallScope, call: (scope: CallScope) => Promise<UnaryResult<T>>): Promise<UnaryResult<T>> {
    const labels = { dependency: this.name };
    // While the one half-open probe is out, cockatiel holds every other call
    // until the probe settles: up to a whole timeout for a hung dependency.
    // Refuse them at once instead, as an open circuit does.
    const policy = this.#policy();
    if (this.breaker?.state === CircuitState.HalfOpen) {
      this.#metrics.calls.inc({ ...labels, outcome: 'circuit_open' });
      trace.getActiveSpan()?.addEvent('circuit_breaker.rejected', { dependency: this.name, state: 'halfopen' });
      throw new BrokenCircuitError('the circuit is half-open and its probe call is still out');
    }
    let started = false;
    try {
      const result = await untilQueuedPastDeadline(
        scope,
        (queued) =>
          policy.execute(() => {
            started = true;
            return call(scope);
          }, queued),
        () => !started,
      );
      this.#metrics.calls.inc({ ...labels, outcome: 'ok' });
      this.#recordRetries(result.previousAttempts);
      return result;
    } catch (error) {
      const outcome = outcomeOf(error);
      this.#metrics.calls.inc({ ...labels, outcome });
      const previousAttempts = previousAttemptsOf((error as { metadata?: Metadata }).metadata);
      this.#recordRetries(previousAttempts);
      // grpc-js retries UNAVAILABLE until attempts run out; one that stopped short was throttled by the budget.
      const attemptsLeft = previousAttempts + 1 < this.#settings.retry.maxAttempts;
      if (outcome === 'unavailable' && attemptsLeft && this.#switches.current.retries) {
        this.#metrics.retriesRefused.inc(labels);
      }
      if (outcome === 'deadline_exceeded') this.#metrics.timeouts.inc(labels);
      if (outcome === 'circuit_open') {
        trace.getActiveSpan()?.addEvent('circuit_breaker.rejected', { dependency: this.name, state: 'open' });
      }
      throw error;
    }
  }

  #recordRetries(previousAttempts: number): void {
    if (previousAttempts === 0) return;
    this.#metrics.retries.inc({ dependency: this.name }, previousAttempts);
    trace.getActiveSpan()?.addEvent('retry', { dependency: this.name, 'rpc.grpc.previous_attempts': previousAttempts });
  }
}

/** deadline_exceeded, unavailable, circuit_open, bulkhead_full...: a small, fixed set of label values. */
function outcomeOf(error: unknown): string {
  return (describeFailure(error).split(':')[0] ?? 'error').toLowerCase();
}

/**
 * Runs `work`, handing it a signal that aborts when the caller goes away or
 * when the deadline passes while the call still waits for a bulkhead slot
 * (cockatiel then drops it from the queue); in the second case it rejects at
 * once with DeadlineWhileQueuedError. A call already running ends on its own
 * gRPC deadline instead. A plain timer, cleared when the call settles: this
 * runs on every call, and AbortSignal.timeout and AbortSignal.any would
 * leave a timer and a DOMException behind for each.
 */
async function untilQueuedPastDeadline<T>(
  scope: CallScope,
  work: (queued: AbortSignal) => Promise<T>,
  stillQueued: () => boolean,
): Promise<T> {
  const queued = new AbortController();
  const onCallerAbort = () => queued.abort(scope.signal.reason);
  if (scope.signal.aborted) onCallerAbort();
  else scope.signal.addEventListener('abort', onCallerAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const pending = work(queued.signal);
  const abandoned = new Promise<never>((_resolve, reject) => {
    if (!scope.deadline) return;
    timer = setTimeout(
      () => {
        if (!stillQueued()) return;
        queued.abort();
        reject(new DeadlineWhileQueuedError('deadline passed before a bulkhead slot freed'));
      },
      Math.max(0, scope.deadline.getTime() - Date.now()),
    );
  });
  try {
    return await Promise.race([pending, abandoned]);
  } finally {
    clearTimeout(timer);
    scope.signal.removeEventListener('abort', onCallerAbort);
    // The work may still settle after we stopped waiting; nobody listens then.
    pending.catch(() => undefined);
  }
}
