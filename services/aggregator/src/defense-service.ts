import {
  forwardedVersionOf,
  msToTimestamp,
  subjectOf,
  timestampToMs,
  unaryCall,
  type AuthPolicy,
  type CallContext,
  type PeerTransport,
  type Replicator,
  type RpcHandlers,
  type SecretKey,
} from '@demo/platform';
import type {
  DefenseServiceClient,
  DefenseServiceHandlers,
} from '@demo/platform/generated/demo/aggregator/v1/DefenseService.js';
import type { Defenses__Output } from '@demo/platform/generated/demo/aggregator/v1/Defenses.js';
import type { GetDefensesResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/GetDefensesResponse.js';
import type { SetDefensesResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/SetDefensesResponse.js';
import type { DefenseSwitches } from './resilience/defense-switches.js';

/** Anyone with a token may look; only the admin role may switch defenses. */
export const defenseAuthPolicy: AuthPolicy = {
  '/demo.aggregator.v1.DefenseService/GetDefenses': 'user',
  '/demo.aggregator.v1.DefenseService/SetDefenses': 'admin',
};

export type DefenseReplicator = Replicator<DefenseSwitches, DefenseServiceClient>;

/** DefenseService: switch the defenses on every aggregator replica, or read this replica's. */
export function defenseServiceHandlers(
  rpc: RpcHandlers,
  deps: { replicator: DefenseReplicator; replica: () => string; key: SecretKey },
): DefenseServiceHandlers {
  const { replicator, replica, key } = deps;

  /** A change forwarded by a peer is applied here only; one from a person goes everywhere. */
  async function change(switches: DefenseSwitches, ctx: CallContext) {
    const forwarded = forwardedVersionOf(ctx.metadata);
    if (forwarded) {
      await replicator.receive(switches, forwarded, ctx);
      return [replica()];
    }
    return replicator.change(switches, await subjectOf(ctx.metadata, key));
  }

  return {
    SetDefenses: rpc.unary(async (request, ctx) => {
      const switches = fromDefensesMessage(request.defenses);
      return { defenses: switches, appliedTo: await change(switches, ctx) };
    }),

    GetDefenses: rpc.unary(async () => ({
      defenses: replicator.state.current,
      replica: replica(),
      updateTime: msToTimestamp(replicator.state.version.atMs),
      updateOrigin: replicator.state.version.origin,
    })),
  };
}

/** A missing message is every defense off, as proto3 reads absent booleans. */
export function fromDefensesMessage(message: Defenses__Output | null): DefenseSwitches {
  return {
    timeouts: message?.timeouts ?? false,
    retries: message?.retries ?? false,
    circuitBreaker: message?.circuitBreaker ?? false,
    bulkhead: message?.bulkhead ?? false,
    fallback: message?.fallback ?? false,
  };
}

/** Switches travel between aggregator replicas over DefenseService itself. */
export const defenseTransport: PeerTransport<DefenseSwitches, DefenseServiceClient> = {
  async push(client, switches, call) {
    const { response } = await unaryCall<SetDefensesResponse__Output>(
      (md, options, callback) => client.setDefenses({ defenses: switches }, md, options, callback),
      call,
    );
    return response.appliedTo;
  },
  async pull(client, call) {
    const { response } = await unaryCall<GetDefensesResponse__Output>(
      (md, options, callback) => client.getDefenses({}, md, options, callback),
      call,
    );
    return {
      value: fromDefensesMessage(response.defenses),
      version: { atMs: timestampToMs(response.updateTime), origin: response.updateOrigin },
    };
  },
};
