import {
  defenseCalls,
  defensesFromMessage,
  forwardedVersionOf,
  msToTimestamp,
  subjectOf,
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
      const switches = defensesFromMessage(request.defenses);
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

/** Switches travel between aggregator replicas over DefenseService itself. */
export const defenseTransport: PeerTransport<DefenseSwitches, DefenseServiceClient> = {
  async push(client, switches, call) {
    return (await defenseCalls(client, () => call).set(switches)).appliedTo;
  },
  async pull(client, call) {
    const { defenses, version } = await defenseCalls(client, () => call).get();
    return { value: defenses, version };
  },
};
