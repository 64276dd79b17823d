import { createClient, unaryCall, type UnaryCallOptions } from '../client.js';
import type { Defenses__Output } from '../generated/demo/aggregator/v1/Defenses.js';
import type { DefenseServiceClient } from '../generated/demo/aggregator/v1/DefenseService.js';
import type { GetDefensesResponse__Output } from '../generated/demo/aggregator/v1/GetDefensesResponse.js';
import type { SetDefensesResponse__Output } from '../generated/demo/aggregator/v1/SetDefensesResponse.js';
import type { Version } from '../replication/replicated-state.js';
import { timestampToMs } from '../replication/replicator.js';
import { callOptionsFor, protosOf, type ServiceCallOptions, type ServiceClientOptions } from './call.js';

/** The aggregator's defense switches, each on (true) or off. */
export type Defenses = Defenses__Output;

/** One aggregator replica's switches, as GetDefenses tells them. */
export interface DefensesReading {
  defenses: Defenses;
  replica: string;
  /** When and where the switches in force were first set. */
  version: Version;
}

/** A missing message is every defense off, as proto3 reads absent booleans. */
export function defensesFromMessage(message: Defenses__Output | null): Defenses {
  return {
    timeouts: message?.timeouts ?? false,
    retries: message?.retries ?? false,
    circuitBreaker: message?.circuitBreaker ?? false,
    bulkhead: message?.bulkhead ?? false,
    fallback: message?.fallback ?? false,
  };
}

/**
 * DefenseService's calls, with the message mapping written once, over a
 * generated client the caller already has (the replicas' own channels);
 * `defenseClient` below adds the channel, the token and the deadline.
 */
export function defenseCalls(client: DefenseServiceClient) {
  return {
    async get(call: UnaryCallOptions): Promise<DefensesReading> {
      const { response } = await unaryCall<GetDefensesResponse__Output>(
        (md, options, callback) => client.getDefenses({}, md, options, callback),
        call,
      );
      return {
        defenses: defensesFromMessage(response.defenses),
        replica: response.replica,
        version: { atMs: timestampToMs(response.updateTime), origin: response.updateOrigin },
      };
    },
    /** Sets the switches on every replica; resolves with the replicas it reached. */
    async set(defenses: Defenses, call: UnaryCallOptions): Promise<{ defenses: Defenses; appliedTo: string[] }> {
      const { response } = await unaryCall<SetDefensesResponse__Output>(
        (md, options, callback) => client.setDefenses({ defenses }, md, options, callback),
        call,
      );
      return { defenses: defensesFromMessage(response.defenses), appliedTo: response.appliedTo };
    },
  };
}

export interface DefenseClient {
  get(call?: ServiceCallOptions): Promise<DefensesReading>;
  set(defenses: Defenses, call?: ServiceCallOptions): Promise<{ defenses: Defenses; appliedTo: string[] }>;
  close(): void;
}

/**
 * The aggregator's DefenseService at `target`, with a token (the admin role
 * to switch): `await defenseClient(target, { token }).set({ ...defenses, retries: false })`.
 * A change through any replica reaches every replica; `appliedTo` names them.
 */
export function defenseClient(target: string, options: ServiceClientOptions = {}): DefenseClient {
  const client = createClient(protosOf(options).aggregator.v1.DefenseService, target);
  const calls = defenseCalls(client);
  // A change waits for every replica's confirmation, up to about a second.
  const callOptions = callOptionsFor(options, 5000);
  return {
    get: async (call) => calls.get(await callOptions(call)),
    set: async (defenses, call) => calls.set(defenses, await callOptions(call)),
    close: () => client.close(),
  };
}
