import * as grpc from '@grpc/grpc-js';
import { mintToken, type SecretKey } from '../auth.js';
import { unaryCall } from '../client.js';
import type { Logger } from '../logger.js';
import type { Fault as FaultMessage, Fault__Output } from '../generated/demo/fault/v1/Fault.js';
import type { FaultServiceClient } from '../generated/demo/fault/v1/FaultService.js';
import type { GetFaultResponse__Output } from '../generated/demo/fault/v1/GetFaultResponse.js';
import type { SetFaultResponse__Output } from '../generated/demo/fault/v1/SetFaultResponse.js';
import { describeFault, validateFault, type Fault } from './fault.js';
import type { FaultPeers } from './fault-peers.js';
import type { FaultState } from './fault-state.js';

/** Metadata on a change forwarded from the replica that took it: who, and when (its version). */
export const faultOriginHeader = 'fault-origin';
export const faultVersionHeader = 'fault-version';

/** A change must reach every replica within a second; each forward gets most of it. */
const forwardTimeoutMs = 800;

type FaultClientConstructor = new (address: string, credentials: grpc.ChannelCredentials) => FaultServiceClient;

/**
 * Keeps every replica on the same fault. A change made here is applied here,
 * then forwarded to every peer at once (SetFault with the origin and version
 * in metadata, so peers apply it without forwarding it again); the replicas
 * that confirmed are reported. A replica that starts later asks its peers and
 * adopts the newest fault.
 */
export class FaultCoordinator {
  readonly #state: FaultState;
  readonly #peers: FaultPeers;
  readonly #replica: () => string;
  readonly #Client: FaultClientConstructor;
  readonly #key: SecretKey;
  readonly #logger: Logger;

  constructor(options: {
    state: FaultState;
    peers: FaultPeers;
    replica: () => string;
    FaultServiceClient: FaultClientConstructor;
    /** Signs the token this replica shows its peers when it asks for their fault. */
    key: SecretKey;
    logger: Logger;
  }) {
    this.#state = options.state;
    this.#peers = options.peers;
    this.#replica = options.replica;
    this.#Client = options.FaultServiceClient;
    this.#key = options.key;
    this.#logger = options.logger;
  }

  get state(): FaultState {
    return this.#state;
  }

  /** Applies a change made through this replica and forwards it; returns the replicas that took it. */
  async change(fault: Fault, authorization: string | undefined): Promise<string[]> {
    const version = this.#state.nextVersion();
    this.#state.apply({ fault, version });
    this.#logger.info({ fault: describeFault(fault), version }, 'fault changed here; forwarding to peers');
    const peers = await this.#peers.addresses();
    const confirmed = await Promise.all(peers.map((address) => this.#forward(address, fault, version, authorization)));
    return [this.#replica(), ...confirmed.flat()];
  }

  /** Applies a change forwarded by the replica that took it; false when a newer one is already here. */
  receive(fault: Fault, version: number, origin: string): boolean {
    const applied = this.#state.apply({ fault, version });
    this.#logger.info({ fault: describeFault(fault), version, origin, applied }, 'fault change from a peer');
    return applied;
  }

  /** At start: take the newest fault any peer has, if it is newer than the start-up one. */
  async adoptFromPeers(): Promise<void> {
    const peers = await this.#peers.addresses();
    if (peers.length === 0) return;
    const token = await mintToken({ key: this.#key, subject: this.#replica(), role: 'user', ttlSeconds: 60 });
    const answers = await Promise.all(peers.map((address) => this.#ask(address, `Bearer ${token}`)));
    const newest = answers
      .flatMap((answer) => (answer ? [answer] : []))
      .reduce<{ fault: Fault; version: number } | undefined>(
        (best, answer) => (best === undefined || answer.version > best.version ? answer : best),
        undefined,
      );
    if (newest && newest.version > this.#state.version) {
      this.#state.apply(newest);
      this.#logger.info(
        { fault: describeFault(newest.fault), version: newest.version },
        'adopted the fault of the peers',
      );
    }
  }

  /**
   * A fresh channel per call: changes are rare, and a cached channel to a
   * peer that was down a moment ago would still be in reconnect backoff and
   * fail the call without trying.
   */
  async #withClient<T>(address: string, use: (client: FaultServiceClient) => Promise<T>): Promise<T> {
    const client = new this.#Client(address, grpc.credentials.createInsecure());
    try {
      return await use(client);
    } finally {
      client.close();
    }
  }

  async #forward(address: string, fault: Fault, version: number, authorization: string | undefined) {
    const metadata = new grpc.Metadata();
    metadata.set(faultOriginHeader, this.#replica());
    metadata.set(faultVersionHeader, String(version));
    if (authorization) metadata.set('authorization', authorization);
    try {
      const { response } = await this.#withClient(address, (client) =>
        unaryCall<SetFaultResponse__Output>(
          (md, options, callback) => client.setFault({ fault: toFaultMessage(fault) }, md, options, callback),
          { deadline: new Date(Date.now() + forwardTimeoutMs), metadata },
        ),
      );
      return response.appliedTo;
    } catch (error) {
      this.#logger.warn({ peer: address, err: error }, 'a peer did not take the fault change');
      return [];
    }
  }

  async #ask(address: string, authorization: string) {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', authorization);
    try {
      const { response } = await this.#withClient(address, (client) =>
        unaryCall<GetFaultResponse__Output>((md, options, callback) => client.getFault({}, md, options, callback), {
          deadline: new Date(Date.now() + forwardTimeoutMs),
          metadata,
        }),
      );
      return { fault: validateFault(fromFaultMessage(response.fault)), version: timestampToMs(response.updateTime) };
    } catch (error) {
      this.#logger.warn({ peer: address, err: error }, 'could not ask a peer for its fault');
      return undefined;
    }
  }
}

export function toFaultMessage(fault: Fault): FaultMessage {
  return { delay: fault.delay ?? null, abort: fault.abort ?? null };
}

export function fromFaultMessage(message: Fault__Output | null): Parameters<typeof validateFault>[0] {
  return { delay: message?.delay ?? null, abort: message?.abort ?? null };
}

export function msToTimestamp(ms: number) {
  return ms === 0 ? null : { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

function timestampToMs(timestamp: { seconds: string; nanos: number } | null): number {
  return timestamp ? Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000) : 0;
}
