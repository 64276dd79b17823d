import {
  defenseCalls,
  fromDefensesMessage,
  type AuthPolicy,
  type PeerTransport,
  type ReplicatedService,
  type RpcHandlers,
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

export type ReplicatedDefenses = ReplicatedService<DefenseSwitches, DefenseServiceClient>;

/** DefenseService: switch the defenses on every aggregator replica, or read this replica's. */
export function defenseServiceHandlers(
  rpc: RpcHandlers,
  deps: { defenses: ReplicatedDefenses },
): DefenseServiceHandlers {
  const { defenses } = deps;
  return {
    SetDefenses: rpc.unary(async (request, ctx) => {
      const switches = fromDefensesMessage(request.defenses);
      return { defenses: switches, appliedTo: await defenses.change(switches, ctx) };
    }),

    GetDefenses: rpc.unary(async () => ({ defenses: defenses.state.current, ...defenses.held() })),
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
