import { faultCalls } from '../clients/fault-client.js';
import type { FaultServiceClient } from '../generated/demo/fault/v1/FaultService.js';
import type { PeerTransport } from '../replication/replicator.js';
import type { Fault } from './fault.js';

/** Faults travel between replicas over FaultService itself: SetFault forwards, GetFault asks. */
export const faultTransport: PeerTransport<Fault, FaultServiceClient> = {
  async push(client, fault, call) {
    return (await faultCalls(client, () => call).set(fault)).appliedTo;
  },
  async pull(client, call) {
    const { fault, version } = await faultCalls(client, () => call).get();
    return { value: fault, version };
  },
};
