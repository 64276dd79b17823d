import { createClient, unaryCall } from '../client.js';
import { fromFaultMessage, toFaultMessage, validateFault, type Fault } from '../fault/fault.js';
import type { FaultServiceClient } from '../generated/demo/fault/v1/FaultService.js';
import type { ClearFaultResponse__Output } from '../generated/demo/fault/v1/ClearFaultResponse.js';
import type { GetFaultResponse__Output } from '../generated/demo/fault/v1/GetFaultResponse.js';
import type { SetFaultResponse__Output } from '../generated/demo/fault/v1/SetFaultResponse.js';
import {
  callOptionsFor,
  protosOf,
  readingOf,
  type Reading,
  type CallOptionsMaker,
  type ServiceCallOptions,
  type ServiceClientOptions,
} from './call.js';

/** One replica's fault, as GetFault tells it. */
export interface FaultReading extends Reading {
  fault: Fault;
}

/**
 * FaultService's three calls over a generated client, with the message
 * mapping written once: a Fault goes out as the proto message and comes
 * back checked. `options` makes each call's deadline and metadata:
 * `faultClient` below gives it the client's token; the replicas, which
 * forward changes over their own channels, give it their peer call.
 */
export function faultCalls(client: FaultServiceClient, options: CallOptionsMaker) {
  return {
    async get(call?: ServiceCallOptions): Promise<FaultReading> {
      const { response } = await unaryCall<GetFaultResponse__Output>(
        (md, callOptions, callback) => client.getFault({}, md, callOptions, callback),
        await options(call),
      );
      return { fault: validateFault(fromFaultMessage(response.fault)), ...readingOf(response) };
    },
    /** Sets `fault` on every replica; resolves with the replicas it reached. */
    async set(fault: Fault, call?: ServiceCallOptions): Promise<{ fault: Fault; appliedTo: string[] }> {
      const { response } = await unaryCall<SetFaultResponse__Output>(
        (md, callOptions, callback) => client.setFault({ fault: toFaultMessage(fault) }, md, callOptions, callback),
        await options(call),
      );
      return { fault: validateFault(fromFaultMessage(response.fault)), appliedTo: response.appliedTo };
    },
    async clear(call?: ServiceCallOptions): Promise<{ appliedTo: string[] }> {
      const { response } = await unaryCall<ClearFaultResponse__Output>(
        (md, callOptions, callback) => client.clearFault({}, md, callOptions, callback),
        await options(call),
      );
      return { appliedTo: response.appliedTo };
    },
  };
}

export type FaultClient = ReturnType<typeof faultCalls> & { close(): void };

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
  // A change waits for every replica's confirmation, up to about a second.
  return { ...faultCalls(client, callOptionsFor(options, 5000)), close: () => client.close() };
}
