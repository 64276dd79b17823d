import type { Defenses__Output } from './generated/demo/aggregator/v1/Defenses.js';

/**
 * The aggregator's five defense switches, named once: each field of the
 * Defenses message (DefenseService) with its name outside TypeScript, the
 * proto field name, which metric labels, span attributes, logs and the
 * RESILIENCE_* variables use. Everything else that lists the switches (the
 * configuration, the console's form and schema, tests) is derived from
 * this table; `satisfies` fails the build when the proto gains or loses one.
 */
export const defenseLabels = {
  timeouts: 'timeouts',
  retries: 'retries',
  circuitBreaker: 'circuit_breaker',
  bulkhead: 'bulkhead',
  fallback: 'fallback',
} as const satisfies Record<keyof Defenses__Output, string>;

export type DefenseName = keyof typeof defenseLabels;

/** Each defense on (true) or off: the Defenses message as received. */
export type DefenseSwitches = Record<DefenseName, boolean>;

export const defenseNames = Object.keys(defenseLabels) as DefenseName[];

/** One value per defense switch: `eachDefense(() => true)` is every defense on. */
export function eachDefense<T>(value: (name: DefenseName) => T): Record<DefenseName, T> {
  return Object.fromEntries(defenseNames.map((name) => [name, value(name)])) as Record<DefenseName, T>;
}

/** The switches of a Defenses message; a missing message is every defense off, as proto3 reads absent booleans. */
export function fromDefensesMessage(message: Defenses__Output | null | undefined): DefenseSwitches {
  return eachDefense((name) => message?.[name] ?? false);
}
