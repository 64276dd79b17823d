import {
  BrokenCircuitError,
  bulkhead,
  circuitBreaker,
  CircuitState,
  handleWhen,
  SamplingBreaker,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { trace } from '@opentelemetry/api';
import { previousAttemptsOf, type Logger, type UnaryResult } from '@demo/platform';
import type { Metadata } from '@grpc/grpc-js';
import type { CallScope } from './deadlines.js';
import { classify, DeadlineWhileQueuedError, DependencyFailure, failureKinds } from './failures.js';
import type { DefenseState } from './defense-switches.js';
import type { ResilienceMetrics } from './metrics.js';
import type { DependencyName, ResilienceSettings } from './settings.js';

/**
 * The circuit breaker and the bulkhead of one dependency, from cockatiel.
 * The breaker is outermost, so an open circuit refuses a call before it
 * takes a bulkhead slot; a full bulkhead refuses at once rather than letting
 * a hung dependency hold every caller. While half-open, one probe call tests
 * the dependency and every other call is refused.
 *
 * Every failure leaves as a DependencyFailure, classified once (failures.ts);
 * only the dependency's own failures count against its breaker.
 */
export class DependencyGuard {
  readonly name: DependencyName;
  readonly #bulkhead: BulkheadPolicy;
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
    this.#bulkhead = bulkhead(concurrency, queue);
    this.#bulkhead.onReject(() => {
      deps.metrics.bulkheadRejections.inc(labels);
      trace.getActiveSpan()?.addEvent('bulkhead.rejected', { dependency: name, concurrency, queue });
    });
    deps.metrics.inFlightSources.set(name, () => concurrency - this.#bulkhead.executionSlots);
  }

  /** The breaker in force, or undefined while the circuit breaker is switched off. */
  get breaker(): CircuitBreakerPolicy | undefined {
    return this.#switches.current.circuitBreaker ? this.#breaker : undefined;
  }

  /** The bulkhead in force, or undefined while it is switched off. */
  get bulkhead(): BulkheadPolicy | undefined {
    return this.#switches.current.bulkhead ? this.#bulkhead : undefined;
  }

  #newBreaker(): CircuitBreakerPolicy {
    const { name } = this;
    const labels = { dependency: name };
    const { failureRatio, windowMs, minimumRps, halfOpenAfterMs } = this.#settings.breaker;
    // cockatiel's SamplingBreaker opens only above minimumRps (by default
    // 5 failures a second at threshold), so it is set for the demo's load.
    const breaker = circuitBreaker(
      handleWhen((error) => error instanceof DependencyFailure && error.countsAgainstBreaker),
      {
        halfOpenAfter: halfOpenAfterMs,
        breaker: new SamplingBreaker({ threshold: failureRatio, duration: windowMs, minimumRps }),
      },
    );
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

  /**
   * Runs one call through the breaker and the bulkhead. A call whose
   * deadline has already passed calls nobody. A call still queued for a
   * bulkhead slot when its deadline passes gives up at that moment, not
   * when a slot frees.
   */
  async execute<T>(scope: CallScope, call: (scope: CallScope) => Promise<UnaryResult<T>>): Promise<UnaryResult<T>> {
    const labels = { dependency: this.name };
    try {
      const result = await this.#guarded(scope, call);
      this.#metrics.calls.inc({ ...labels, outcome: 'ok' });
      this.#recordRetries(result.previousAttempts);
      return result;
    } catch (error) {
      const failure =
        error instanceof DependencyFailure
          ? error
          : new DependencyFailure(this.name, classify(error, scope), { cause: error });
      this.#metrics.calls.inc({ ...labels, outcome: failure.kind });
      const previousAttempts = previousAttemptsOf((failure.cause as { metadata?: Metadata } | undefined)?.metadata);
      this.#recordRetries(previousAttempts);
      // grpc-js retries UNAVAILABLE until attempts run out; one that stopped short was throttled by the budget.
      const attemptsLeft = previousAttempts + 1 < this.#settings.retry.maxAttempts;
      if (failure.kind === 'unavailable' && attemptsLeft && this.#switches.current.retries) {
        this.#metrics.retriesRefused.inc(labels);
      }
      if (failure.kind === 'deadline_exceeded' || failure.kind === 'caller_deadline')
        this.#metrics.timeouts.inc(labels);
      if (failure.kind === 'circuit_open') {
        const state = this.breaker?.state === CircuitState.HalfOpen ? 'halfopen' : 'open';
        trace.getActiveSpan()?.addEvent('circuit_breaker.rejected', { dependency: this.name, state });
      }
      throw failure;
    }
  }

  async #guarded<T>(scope: CallScope, call: (scope: CallScope) => Promise<UnaryResult<T>>): Promise<UnaryResult<T>> {
    if (scope.deadline !== undefined && scope.deadline.getTime() <= Date.now()) {
      throw new DependencyFailure(this.name, 'caller_deadline');
    }
    // While the one half-open probe is out, cockatiel holds every other call
    // until the probe settles: up to a whole timeout for a hung dependency.
    // Refuse them at once instead, as an open circuit does.
    // The switches in force when the call starts hold for the whole call.
    const { breaker, bulkhead: slots } = this;
    if (breaker?.state === CircuitState.HalfOpen) {
      throw new BrokenCircuitError('the circuit is half-open and its probe call is still out');
    }
    let started = false;
    const attempt = (queued: AbortSignal) => {
      const start = () => {
        started = true;
        return call(scope);
      };
      return slots ? slots.execute(start, queued) : start();
    };
    return untilQueuedPastDeadline(
      scope,
      (queued) => (breaker ? this.#throughBreaker(breaker, scope, () => attempt(queued), queued) : attempt(queued)),
      () => !started,
    );
  }

  /**
   * cockatiel closes a half-open circuit on any outcome its filter does not
   * count, a cancelled probe included ("task failed successfully"). But a
   * probe that ends without a verdict (cancelled, out of the caller's time,
   * refused by our own bulkhead) proves nothing about the dependency, so it
   * counts as a failure there: the circuit re-opens and probes again after
   * its delay. Only an answer from the dependency may close it.
   */
  #throughBreaker<T>(
    breaker: CircuitBreakerPolicy,
    scope: CallScope,
    attempt: () => Promise<T>,
    queued: AbortSignal,
  ): Promise<T> {
    return breaker.execute(async () => {
      const probe = breaker.state === CircuitState.HalfOpen;
      try {
        return await attempt();
      } catch (error) {
        const kind = classify(error, scope);
        const facts = failureKinds[kind];
        throw new DependencyFailure(this.name, kind, {
          cause: error,
          countsAgainstBreaker: facts.dependencyAtFault || (probe && !facts.verdict),
        });
      }
    }, queued);
  }

  #recordRetries(previousAttempts: number): void {
    if (previousAttempts === 0) return;
    this.#metrics.retries.inc({ dependency: this.name }, previousAttempts);
    trace.getActiveSpan()?.addEvent('retry', { dependency: this.name, 'rpc.grpc.previous_attempts': previousAttempts });
  }
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
