import type { Metadata } from '@grpc/grpc-js';
import type { AuthPolicy } from '../interceptors/auth.js';
import type { RpcHandlers } from '../handlers.js';
import { InvalidArgumentError } from '../errors.js';
import type { FaultServiceHandlers } from '../generated/demo/fault/v1/FaultService.js';
import { noFault, validateFault } from './fault.js';
import {
  faultOriginHeader,
  faultVersionHeader,
  fromFaultMessage,
  msToTimestamp,
  toFaultMessage,
  type FaultCoordinator,
} from './fault-coordinator.js';

/** Anyone with a token may look; only the admin role may change faults. */
export const faultAuthPolicy: AuthPolicy = {
  '/demo.fault.v1.FaultService/GetFault': 'user',
  '/demo.fault.v1.FaultService/SetFault': 'admin',
  '/demo.fault.v1.FaultService/ClearFault': 'admin',
};

/** FaultService: change the fault on every replica, or read this replica's. */
export function faultServiceHandlers(
  rpc: RpcHandlers,
  deps: { coordinator: FaultCoordinator; replica: () => string },
): FaultServiceHandlers {
  const { coordinator, replica } = deps;

  /** A change forwarded by a peer is applied here only; one from a person goes everywhere. */
  async function change(fault: ReturnType<typeof validateFault>, metadata: Metadata) {
    const origin = metadata.get(faultOriginHeader)[0];
    if (origin !== undefined) {
      const version = Number(metadata.get(faultVersionHeader)[0]);
      if (!Number.isSafeInteger(version) || version <= 0) throw new InvalidArgumentError(`bad ${faultVersionHeader}`);
      return coordinator.receive(fault, version, String(origin)) ? [replica()] : [];
    }
    const authorization = metadata.get('authorization')[0];
    return coordinator.change(fault, authorization === undefined ? undefined : String(authorization));
  }

  return {
    SetFault: rpc.unary(async (request, ctx) => {
      const fault = validateFault(fromFaultMessage(request.fault));
      const appliedTo = await change(fault, ctx.metadata);
      return { fault: toFaultMessage(fault), appliedTo };
    }),

    GetFault: rpc.unary(async () => ({
      fault: toFaultMessage(coordinator.state.current),
      replica: replica(),
      updateTime: msToTimestamp(coordinator.state.version),
    })),

    ClearFault: rpc.unary(async (_request, ctx) => ({ appliedTo: await change(noFault, ctx.metadata) })),
  };
}
