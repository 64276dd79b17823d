import { subjectOf, type SecretKey } from '../auth.js';
import type { AuthPolicy } from '../interceptors/auth.js';
import type { CallContext, RpcHandlers } from '../handlers.js';
import type { FaultServiceClient, FaultServiceHandlers } from '../generated/demo/fault/v1/FaultService.js';
import { forwardedVersionOf, msToTimestamp, type Replicator } from '../replication/replicator.js';
import { fromFaultMessage, noFault, toFaultMessage, validateFault, type Fault } from './fault.js';

/** Anyone with a token may look; only the admin role may change faults. */
export const faultAuthPolicy: AuthPolicy = {
  '/demo.fault.v1.FaultService/GetFault': 'user',
  '/demo.fault.v1.FaultService/SetFault': 'admin',
  '/demo.fault.v1.FaultService/ClearFault': 'admin',
};

/** FaultService: change the fault on every replica, or read this replica's. */
export function faultServiceHandlers(
  rpc: RpcHandlers,
  deps: { replicator: Replicator<Fault, FaultServiceClient>; replica: () => string; key: SecretKey },
): FaultServiceHandlers {
  const { replicator, replica, key } = deps;

  /** A change forwarded by a peer is applied here only; one from a person goes everywhere. */
  async function change(fault: Fault, ctx: CallContext) {
    const forwarded = forwardedVersionOf(ctx.metadata);
    if (forwarded) {
      await replicator.receive(fault, forwarded, ctx);
      return [replica()];
    }
    return replicator.change(fault, await subjectOf(ctx.metadata, key));
  }

  return {
    SetFault: rpc.unary(async (request, ctx) => {
      const fault = validateFault(fromFaultMessage(request.fault));
      const appliedTo = await change(fault, ctx);
      return { fault: toFaultMessage(fault), appliedTo };
    }),

    GetFault: rpc.unary(async () => ({
      fault: toFaultMessage(replicator.state.current),
      replica: replica(),
      updateTime: msToTimestamp(replicator.state.version.atMs),
      updateOrigin: replicator.state.version.origin,
    })),

    ClearFault: rpc.unary(async (_request, ctx) => ({ appliedTo: await change(noFault, ctx) })),
  };
}
