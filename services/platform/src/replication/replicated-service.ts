import type * as grpc from '@grpc/grpc-js';
import { subjectOf, type SecretKey } from '../auth.js';
import type { CallContext } from '../handlers.js';
import type { ReplicatedState } from './replicated-state.js';
import { forwardedVersionOf, msToTimestamp, Replicator, type ReplicatorOptions } from './replicator.js';

/** The part of a server a replicated service starts: GrpcServer. */
export interface ReadinessServer {
  start(): Promise<unknown>;
  setReady(ready: boolean): void;
}

/**
 * A service whose value every replica holds (FaultService's fault,
 * DefenseService's switches), as its handlers and its composition root use
 * it; the Replicator behind it does the forwarding and the versions. It
 * owns the two things every such service does alike: telling a change a
 * peer forwarded from one a person made, and, at start, taking the value
 * the peers hold before reporting ready.
 */
export class ReplicatedService<Value, Client extends grpc.Client> {
  readonly #replicator: Replicator<Value, Client>;
  readonly #replica: () => string;
  readonly #key: SecretKey;

  constructor(options: ReplicatorOptions<Value, Client>) {
    this.#replicator = new Replicator(options);
    this.#replica = options.replica;
    this.#key = options.key;
  }

  get state(): ReplicatedState<Value> {
    return this.#replicator.state;
  }

  /**
   * A change asked for by a call (SetFault, ClearFault, SetDefenses); the
   * replicas that took it. One a peer forwarded (its version in metadata)
   * is applied here only, as Replicator.receive checks it; one from a
   * person is made here and forwarded to every replica, in the name of the
   * token's subject. AbortedError when a replica refused it.
   */
  async change(value: Value, ctx: CallContext): Promise<string[]> {
    const forwarded = forwardedVersionOf(ctx.metadata);
    if (forwarded) {
      await this.#replicator.receive(value, forwarded, ctx);
      return [this.#replica()];
    }
    return this.#replicator.change(value, await subjectOf(ctx.metadata, this.#key));
  }

  /** What a read (GetFault, GetDefenses) answers beside the value: this replica, and when and where the value was made. */
  held(): { replica: string; updateTime: ReturnType<typeof msToTimestamp>; updateOrigin: string } {
    const { version } = this.state;
    return { replica: this.#replica(), updateTime: msToTimestamp(version.atMs), updateOrigin: version.origin };
  }

  /**
   * Starts `server` reporting NOT_SERVING, takes the newest value the peers
   * hold, waits for `beforeReady` (the service's own start-up conditions),
   * then reports ready: a replica that joins while a fault or a switched-off
   * defense is in force must not serve meanwhile as if there were none.
   */
  async startServing(server: ReadinessServer, beforeReady: () => Promise<void> = async () => undefined): Promise<void> {
    server.setReady(false);
    await server.start();
    await this.#replicator.adoptFromPeers();
    await beforeReady();
    server.setReady(true);
  }

  close(): void {
    this.#replicator.close();
  }
}
