import { createClient, unaryCall } from '../client.js';
import { fromDefensesMessage, type DefenseSwitches } from '../defense-switches.js';
import type { DefenseServiceClient } from '../generated/demo/aggregator/v1/DefenseService.js';
import type { GetDefensesResponse__Output } from '../generated/demo/aggregator/v1/GetDefensesResponse.js';
import type { SetDefensesResponse__Output } from '../generated/demo/aggregator/v1/SetDefensesResponse.js';
import {
  callOptionsFor,
  protosOf,
  readingOf,
  type Reading,
  type CallOptionsMaker,
  type ServiceCallOptions,
  type ServiceClientOptions,
} from './call.js';

/** One aggregator replica's switches, as GetDefenses tells them. */
export interface DefensesReading extends Reading {
  defenses: DefenseSwitches;
}

/**
 * DefenseService's calls over a generated client, with the message mapping
 * written once. `options` makes each call's deadline and metadata:
 * `defenseClient` below gives it the client's token; the replicas, which
 * forward changes over their own channels, give it their peer call.
 */
export function defenseCalls(client: DefenseServiceClient, options: CallOptionsMaker) {
  return {
    async get(call?: ServiceCallOptions): Promise<DefensesReading> {
      const { response } = await unaryCall<GetDefensesResponse__Output>(
        (md, callOptions, callback) => client.getDefenses({}, md, callOptions, callback),
        await options(call),
      );
      return { defenses: fromDefensesMessage(response.defenses), ...readingOf(response) };
    },
    /** Sets the switches on every replica; resolves with the replicas it reached. */
    async set(
      defenses: DefenseSwitches,
      call?: ServiceCallOptions,
    ): Promise<{ defenses: DefenseSwitches; appliedTo: string[] }> {
      const { response } = await unaryCall<SetDefensesResponse__Output>(
        (md, callOptions, callback) => client.setDefenses({ defenses }, md, callOptions, callback),
        await options(call),
      );
      return { defenses: fromDefensesMessage(response.defenses), appliedTo: response.appliedTo };
    },
  };
}

export type DefenseClient = ReturnType<typeof defenseCalls> & { close(): void };

/**
 * The aggregator's DefenseService at `target`, with a token (the admin role
 * to switch): `await defenseClient(target, { token }).set({ ...defenses, retries: false })`.
 * A change through any replica reaches every replica; `appliedTo` names them.
 */
export function defenseClient(target: string, options: ServiceClientOptions = {}): DefenseClient {
  const client = createClient(protosOf(options).aggregator.v1.DefenseService, target);
  // A change waits for every replica's confirmation, up to about a second.
  return { ...defenseCalls(client, callOptionsFor(options, 5000)), close: () => client.close() };
}
