import type { AuthPolicy } from '../interceptors/auth.js';
import type { RpcHandlers } from '../handlers.js';
import type { FaultServiceClient, FaultServiceHandlers } from '../generated/demo/fault/v1/FaultService.js';
import type { ReplicatedService } from '../replication/replicated-service.js';
import { noFault, validateFault, type Fault } from './fault.js';
import { fromFaultMessage, toFaultMessage } from './fault-replication.js';

/** Anyone with a token may look; only the admin role may change faults. */
export const faultAuthPolicy: AuthPolicy = {
  '/demo.fault.v1.FaultService/GetFault': 'user',
  '/demo.fault.v1.FaultService/SetFault': 'admin',
  '/demo.fault.v1.FaultService/ClearFault': 'admin',
};

export type ReplicatedFault = ReplicatedService<Fault, FaultServiceClient>;

/** FaultService: change the fault on every replica, or read this replica's. */
export function faultServiceHandlers(rpc: RpcHandlers, deps: { fault: ReplicatedFault }): FaultServiceHandlers {
  const { fault: replicated } = deps;
  return {
    SetFault: rpc.unary(async (request, ctx) => {
      const fault = validateFault(fromFaultMessage(request.fault));
      const appliedTo = await replicated.change(fault, ctx);
      return { fault: toFaultMessage(fault), appliedTo };
    }),

    GetFault: rpc.unary(async () => ({ fault: toFaultMessage(replicated.state.current), ...replicated.held() })),

    ClearFault: rpc.unary(async (_request, ctx) => ({ appliedTo: await replicated.change(noFault, ctx) })),
  };
}
