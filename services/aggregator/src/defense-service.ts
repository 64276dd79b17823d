import {
  fromDefensesMessage,
  timestampToMs,
  unaryCall,
  type AuthPolicy,
  type PeerTransport,
  type ReplicatedService,
  type RpcHandlers,
} from '@demo/platform';
import type {
  DefenseServiceClient,
  DefenseServiceHandlers,
} from '@demo/platform/generated/demo/aggregator/v1/DefenseService.js';
import type { GetDefensesResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/GetDefensesResponse.js';
import type { SetDefensesResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/SetDefensesResponse.js';
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
