import { Gauge } from 'prom-client';
import { ReplicatedState, type MetricsRegistry } from '@demo/platform';
import type { ResilienceSettings } from './settings.js';
import type { Defenses__Output } from '@demo/platform/generated/demo/aggregator/v1/Defenses.js';

/** Each defense on (true) or off, switchable at run time through DefenseService. */
export type DefenseSwitches = Defenses__Output;

/** The metric label and span attribute name of each switch. */
export const defenseLabels: Record<keyof DefenseSwitches, string> = {
  timeouts: 'timeouts',
  retries: 'retries',
  circuitBreaker: 'circuit_breaker',
  bulkhead: 'bulkhead',
  fallback: 'fallback',
};

/** The switches in force on this replica, the same on every replica; the environment gives the start-up values. */
export class DefenseState extends ReplicatedState<DefenseSwitches> {
  constructor(settings: ResilienceSettings) {
    const { timeouts, retries, circuitBreaker, bulkhead, fallback } = settings;
    super({ timeouts, retries, circuitBreaker, bulkhead, fallback });
  }

  override toString(): string {
    return describeDefenses(this.current);
  }
}

/** "timeouts on, retries on, circuit_breaker off, ...", for logs. */
export function describeDefenses(switches: DefenseSwitches): string {
  return (Object.keys(defenseLabels) as (keyof DefenseSwitches)[])
    .map((name) => `${defenseLabels[name]} ${switches[name] ? 'on' : 'off'}`)
    .join(', ');
}

/** The switches as span attributes: `defense.timeouts` true or false, and so on. */
export function defenseAttributes(switches: DefenseSwitches): Record<string, boolean> {
  return Object.fromEntries(
    (Object.keys(defenseLabels) as (keyof DefenseSwitches)[]).map((name) => [
      `defense.${defenseLabels[name]}`,
      switches[name],
    ]),
  );
}

/** aggregator_defense_enabled{defense}: 1 while on, read at scrape time. */
export function defenseMetrics(registry: MetricsRegistry, state: DefenseState): void {
  new Gauge({
    name: 'aggregator_defense_enabled',
    help: 'Whether each defense is switched on (1) or off (0) on this replica.',
    labelNames: ['defense'],
    registers: [registry],
    collect() {
      for (const name of Object.keys(defenseLabels) as (keyof DefenseSwitches)[]) {
        this.set({ defense: defenseLabels[name] }, state.current[name] ? 1 : 0);
      }
    },
  });
}
