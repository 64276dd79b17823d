import { Counter, Gauge } from 'prom-client';
import type { MetricsRegistry } from '@demo/platform';

/** What the defenses do, per dependency, for Prometheus and for the scenario runner's charts. */
export function resilienceMetrics(registry: MetricsRegistry) {
  const dependency = ['dependency'] as const;
  /** Read at scrape time rather than updated on every call. */
  const inFlightSources = new Map<string, () => number>();
  return {
    inFlightSources,
    breakerState: new Gauge({
      name: 'aggregator_circuit_breaker_state',
      help: 'Circuit breaker state per dependency: 0 closed, 1 open, 2 half-open, 3 isolated.',
      labelNames: dependency,
      registers: [registry],
    }),
    breakerTransitions: new Counter({
      name: 'aggregator_circuit_breaker_transitions_total',
      help: 'Circuit breaker state changes per dependency, by the state entered.',
      labelNames: [...dependency, 'state'],
      registers: [registry],
    }),
    bulkheadInFlight: new Gauge({
      name: 'aggregator_bulkhead_in_flight',
      help: 'Calls holding a bulkhead slot per dependency.',
      labelNames: dependency,
      registers: [registry],
      collect() {
        for (const [name, read] of inFlightSources) this.set({ dependency: name }, read());
      },
    }),
    bulkheadRejections: new Counter({
      name: 'aggregator_bulkhead_rejections_total',
      help: 'Calls refused because the dependency bulkhead and its queue were full.',
      labelNames: dependency,
      registers: [registry],
    }),
    calls: new Counter({
      name: 'aggregator_dependency_calls_total',
      help: 'Calls to a dependency as the aggregator asked for them (before retries), by outcome.',
      labelNames: [...dependency, 'outcome'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'aggregator_retries_total',
      help: 'Retry attempts grpc-js made for calls to a dependency (within the retry budget).',
      labelNames: dependency,
      registers: [registry],
    }),
    retriesRefused: new Counter({
      name: 'aggregator_retries_refused_total',
      help: 'Calls that failed UNAVAILABLE with attempts left while retries were on: the retry budget refused them.',
      labelNames: dependency,
      registers: [registry],
    }),
    timeouts: new Counter({
      name: 'aggregator_timeouts_total',
      help: 'Calls to a dependency that ran out of time (DEADLINE_EXCEEDED), queueing in the bulkhead included.',
      labelNames: dependency,
      registers: [registry],
    }),
    fallbacks: new Counter({
      name: 'aggregator_fallbacks_total',
      help: 'Answers that used a fallback because the dependency failed.',
      labelNames: dependency,
      registers: [registry],
    }),
    admissionInFlight: new Gauge({
      name: 'aggregator_admission_in_flight',
      help: 'GetUserHome calls admitted and not yet answered.',
      registers: [registry],
    }),
    admissionRejections: new Counter({
      name: 'aggregator_admission_rejections_total',
      help: 'Calls refused with RESOURCE_EXHAUSTED because the admission limit was reached.',
      registers: [registry],
    }),
    degraded: new Counter({
      name: 'aggregator_degraded_responses_total',
      help: 'GetUserHome answers marked degraded.',
      registers: [registry],
    }),
  };
}

export type ResilienceMetrics = ReturnType<typeof resilienceMetrics>;
