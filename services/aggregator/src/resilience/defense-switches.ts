import { Gauge } from 'prom-client';
import {
  defenseLabels,
  defenseNames,
  ReplicatedState,
  type DefenseSwitches,
  type MetricsRegistry,
} from '@demo/platform';

export type { DefenseSwitches } from '@demo/platform';

/** The switches in force on this replica, the same on every replica; the environment gives the start-up values. */
export class DefenseState extends ReplicatedState<DefenseSwitches> {
  override toString(): string {
    return describeDefenses(this.current);
  }
}

/** "timeouts on, retries on, circuit_breaker off, ...", for logs. */
export function describeDefenses(switches: DefenseSwitches): string {
  return defenseNames.map((name) => `${defenseLabels[name]} ${switches[name] ? 'on' : 'off'}`).join(', ');
}

/** The switches as span attributes: `defense.timeouts` true or false, and so on. */
export function defenseAttributes(switches: DefenseSwitches): Record<string, boolean> {
  return Object.fromEntries(defenseNames.map((name) => [`defense.${defenseLabels[name]}`, switches[name]]));
}

/** aggregator_defense_enabled{defense}: 1 while on, read at scrape time. */
export function defenseMetrics(registry: MetricsRegistry, state: DefenseState): void {
  new Gauge({
    name: 'aggregator_defense_enabled',
    help: 'Whether each defense is switched on (1) or off (0) on this replica.',
    labelNames: ['defense'],
    registers: [registry],
    collect() {
      for (const name of defenseNames) this.set({ defense: defenseLabels[name] }, state.current[name] ? 1 : 0);
    },
  });
}
