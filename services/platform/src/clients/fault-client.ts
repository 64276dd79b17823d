import { createClient, unaryCall, type UnaryCallOptions } from '../client.js';
import { fromFaultMessage, toFaultMessage, validateFault, type Fault } from '../fault/fault.js';
import type { FaultServiceClient } from '../generated/demo/fault/v1/FaultService.js';
import type { ClearFaultResponse__Output } from '../generated/demo/fault/v1/ClearFaultResponse.js';
import type { GetFaultResponse__Output } from '../generated/demo/fault/v1/GetFaultResponse.js';
import type { SetFaultResponse__Output } from '../generated/demo/fault/v1/SetFaultResponse.js';
import type { Version } from '../replication/replicated-state.js';
import { timestampToMs } from '../replication/replicator.js';
import { callOptionsFor, protosOf, type ServiceCallOptions, type ServiceClientOptions } from './call.js';

/** One replica's fault, as GetFault tells it. */
export interface FaultReading {
  fault: Fault;
  replica: string;
  /** When and where the fault in force was first set. */
  version: Version;
}

/**
 * FaultService's three calls, with the message mapping written once: a
 * Fault goes out as the proto message and comes back checked. Over a
 * generated client the caller already has (the replicas' own channels);
 * `faultClient` below adds the channel, the token and the deadline.
 */
export function faultCalls(client: FaultServiceClient) {
  return {
    async get(call: UnaryCallOptions): Promise<FaultReading> {
      const { response } = await unaryCall<GetFaultResponse__Output>(
        (md, options, callback) => client.getFault({}, md, options, callback),
        call,
      );
      return {
        fault: validateFault(fromFaultMessage(response.fault)),
        replica: response.replica,
        version: { atMs: timestampToMs(response.updateTime), origin: response.updateOrigin },
      };
    },
    /** Sets `fault` on every replica; resolves with the replicas it reached. */
    async set(fault: Fault, call: UnaryCallOptions): Promise<{ fault: Fault; appliedTo: string[] }> {
      const { response } = await unaryCall<SetFaultResponse__Output>(
        (md, options, callback) => client.setFault({ fault: toFaultMessage(fault) }, md, options, callback),
        call,
      );
      return { fault: validateFault(fromFaultMessage(response.fault)), appliedTo: response.appliedTo };
    },
    async clear(call: UnaryCallOptions): Promise<{ appliedTo: string[] }> {
      const { response } = await unaryCall<ClearFaultResponse__Output>(
        (md, options, callback) => client.clearFault({}, md, options, callback),
        call,
      );
      return { appliedTo: response.appliedTo };
    },
  };
}

export interface FaultClient {
  get(call?: ServiceCallOptions): Promise<FaultReading>;
  set(fault: Fault, call?: ServiceCallOptions): Promise<{ fault: Fault; appliedTo: string[] }>;
  clear(call?: ServiceCallOptions): Promise<{ appliedTo: string[] }>;
  close(): void;
}

/**
 * The recommendation service's FaultService at `target` (`host:port`, or a
 * `dns:///` or `ipv4:` target), with a token (the admin role to change):
 *
 *   await faultClient('127.0.0.1:50053', { token }).set({ delay: { delayMs: 2000, percentage: 100 } })
 *
 * A change through any replica reaches every replica; `appliedTo` names them.
 */
export function faultClient(target: string, options: ServiceClientOptions = {}): FaultClient {
  const client = createClient(protosOf(options).fault.v1.FaultService, target);
  const calls = faultCalls(client);
  // A change waits for every replica's confirmation, up to about a second.
  const callOptions = callOptionsFor(options, 5000);
  return {
    get: async (call) => calls.get(await callOptions(call)),
    set: async (fault, call) => calls.set(fault, await callOptions(call)),
    clear: async (call) => calls.clear(await callOptions(call)),
    close: () => client.close(),
  };
}
