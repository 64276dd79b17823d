import { unaryCall } from '../client.js';
import type { Fault as FaultMessage, Fault__Output } from '../generated/demo/fault/v1/Fault.js';
import type { FaultServiceClient } from '../generated/demo/fault/v1/FaultService.js';
import type { GetFaultResponse__Output } from '../generated/demo/fault/v1/GetFaultResponse.js';
import type { SetFaultResponse__Output } from '../generated/demo/fault/v1/SetFaultResponse.js';
import { timestampToMs, type PeerTransport } from '../replication/replicator.js';
import { validateFault, type Fault } from './fault.js';

/** Faults travel between replicas over FaultService itself: SetFault forwards, GetFault asks. */
export const faultTransport: PeerTransport<Fault, FaultServiceClient> = {
  async push(client, fault, call) {
    const { response } = await unaryCall<SetFaultResponse__Output>(
      (md, options, callback) => client.setFault({ fault: toFaultMessage(fault) }, md, options, callback),
      call,
    );
    return response.appliedTo;
  },
  async pull(client, call) {
    const { response } = await unaryCall<GetFaultResponse__Output>(
      (md, options, callback) => client.getFault({}, md, options, callback),
      call,
    );
    return {
      value: validateFault(fromFaultMessage(response.fault)),
      version: { atMs: timestampToMs(response.updateTime), origin: response.updateOrigin },
    };
  },
};

export function toFaultMessage(fault: Fault): FaultMessage {
  return { delay: fault.delay ?? null, abort: fault.abort ?? null };
}

export function fromFaultMessage(message: Fault__Output | null): Parameters<typeof validateFault>[0] {
  return { delay: message?.delay ?? null, abort: message?.abort ?? null };
}
