import * as grpc from '@grpc/grpc-js';
import {
  bearerTokenOf,
  InvalidTokenError,
  maxClockSkewSeconds,
  mintToken,
  verifyToken,
  type SecretKey,
} from '../auth.js';
import { AbortedError, InvalidArgumentError, PermissionDeniedError } from '../errors.js';
import { servedByHeader } from '../interceptors/served-by.js';
import type { Logger } from '../logger.js';
import { compareVersions, type Change, type ReplicatedState, type Version } from './replicated-state.js';
import type { ReplicaPeers } from './replica-peers.js';

/** Metadata on a change forwarded by the replica that took it: its version. */
export const replicationOriginHeader = 'replication-origin';
export const replicationAtHeader = 'replication-at-ms';

/** A change must reach every replica within a second; each forward gets most of it. */
const peerCallTimeoutMs = 800;
/**
 * How far ahead of this replica's clock a change may claim to be: the one
 * clock-skew bound, which tokens use too. A crafted version cannot lock
 * later changes out for longer than that.
 */
const maxClockSkewMs = maxClockSkewSeconds * 1000;
const peerTokenTtlSeconds = 300;

/** What every call to a peer carries: the peer token, and a deadline. */
export interface PeerCall {
  metadata: grpc.Metadata;
  deadline: Date;
  waitForReady: true;
}

/**
 * What a peer's answer to a forwarded change means. A refusal is a verdict
 * (it holds a newer change, or will not take one from us: a bad peer token,
 * a clock too far apart), so the change did not take everywhere; any other
 * failure leaves the peer unreached, as a replica that is gone would be.
 */
const refusalCodes = new Set([
  grpc.status.ABORTED,
  grpc.status.PERMISSION_DENIED,
  grpc.status.UNAUTHENTICATED,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.FAILED_PRECONDITION,
]);

/** One peer's part in a change: it took it (naming itself), refused it (and why), or did not answer. */
type PeerOutcome<Value> =
  | { kind: 'took'; replicas: string[] }
  | { kind: 'refused'; replica: string; reason: string; newer?: Change<Value> | undefined }
  | { kind: 'unreached'; replica: string; reason: string };

/** How one service sends its value over its own RPCs (SetFault/GetFault, SetDefenses/GetDefenses). */
export interface PeerTransport<Value, Client> {
  /** Forwards a change to one peer (the metadata carries its version); resolves with the replicas that took it. */
  push(client: Client, value: Value, call: PeerCall): Promise<string[]>;
  /** Asks one peer for the value it holds, and its version. */
  pull(client: Client, call: PeerCall): Promise<Change<Value>>;
}

export interface ReplicatorOptions<Value, Client extends grpc.Client> {
  state: ReplicatedState<Value>;
  peers: ReplicaPeers;
  replica: () => string;
  /** Makes the client for one peer's address (the service's generated client). */
  connect: (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => Client;
  transport: PeerTransport<Value, Client>;
  /** Signs the token this replica shows its peers, and checks theirs (and a person's, in ReplicatedService). */
  key: SecretKey;
  /** Names what is replicated, in the peer token's audience: "fault", "defenses". */
  topic: string;
  logger: Logger;
  describe?: (value: Value) => unknown;
}

/**
 * Keeps every replica of a service on the same value. A change made here is
 * applied here, then forwarded to every peer at once, with its version in
 * metadata so the peers apply it without forwarding it again; the replicas
 * that confirmed are reported. A replica that starts later asks its peers
 * and adopts the newest value.
 *
 * A peer that refuses the change fails it with AbortedError, naming who took
 * it and who refused and why: an admin never hears OK for replicas that
 * differ. When the refusal is a newer change the peer holds (two changes at
 * once, or one this replica missed), this replica and the peers that took
 * the refused change adopt the newer one, so the replicas agree again.
 *
 * A forwarded change is taken only from a peer: it must carry a token that
 * a replica minted for this purpose (its own audience, which `make token`
 * never sets) and come from one of the replicas' addresses, and its version
 * may not be more than `maxClockSkewMs` ahead of this replica's clock.
 */
export class Replicator<Value, Client extends grpc.Client> {
  readonly #state: ReplicatedState<Value>;
  readonly #peers: ReplicaPeers;
  readonly #replica: () => string;
  readonly #connect: (address: string) => Client;
  readonly #transport: PeerTransport<Value, Client>;
  readonly #key: SecretKey;
  readonly #audience: string;
  readonly #logger: Logger;
  readonly #describe: (value: Value) => unknown;
  /** One long-lived client per peer, dropped when the peer leaves. */
  readonly #clients = new Map<string, Client>();
  #token: { value: Promise<string>; renewAt: number } | undefined;

  constructor(options: ReplicatorOptions<Value, Client>) {
    this.#state = options.state;
    this.#peers = options.peers;
    this.#replica = options.replica;
    this.#connect = (address) =>
      options.connect(address, grpc.credentials.createInsecure(), {
        // Changes are rare: a peer that was down a moment ago must be tried
        // again within a change's deadline, not after a long backoff.
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 500,
      });
    this.#transport = options.transport;
    this.#key = options.key;
    this.#audience = `${options.topic}-replicas`;
    this.#logger = options.logger.child({ replicated: options.topic });
    this.#describe = options.describe ?? ((value) => value);
  }

  get state(): ReplicatedState<Value> {
    return this.#state;
  }

  /**
   * Applies a change made through this replica by `by` (a token's subject)
   * and forwards it; returns the replicas that took it. AbortedError when a
   * peer refused it.
   */
  async change(value: Value, by: string): Promise<string[]> {
    const version = this.#state.nextVersion(this.#replica());
    this.#state.apply({ value, version });
    this.#logger.info({ value: this.#describe(value), version, by }, 'changed here; forwarding to peers');
    const peers = await this.#currentPeers();
    const outcomes = await this.#forward(peers, { value, version });
    const took = [this.#replica(), ...outcomes.flatMap((outcome) => (outcome.kind === 'took' ? outcome.replicas : []))];
    const refused = outcomes.filter((outcome) => outcome.kind === 'refused');
    if (refused.length === 0) return took;

    const superseded = await this.#adoptNewestOf(refused, peers, outcomes);
    const unreached = outcomes.filter((outcome) => outcome.kind === 'unreached');
    this.#logger.warn({ value: this.#describe(value), version, took, refused, unreached }, 'a peer refused the change');
    throw new AbortedError(refusalMessage({ took, refused, unreached, superseded }));
  }

  /** Sends `change` to every peer at once, with its version in metadata; what each made of it. */
  async #forward(peers: [string, Client][], change: Change<Value>): Promise<PeerOutcome<Value>[]> {
    const call = await this.#peerCall(change.version);
    return Promise.all(
      peers.map(async ([address, client]): Promise<PeerOutcome<Value>> => {
        try {
          const replicas = await this.#transport.push(client, change.value, call());
          // A replica of an older release answers OK naming nobody when it holds a newer change.
          if (replicas.length > 0) return { kind: 'took', replicas };
          return {
            kind: 'refused',
            replica: address,
            reason: 'it holds a newer change',
            newer: await this.#pull(client),
          };
        } catch (error) {
          const { code, details, metadata } = error as Partial<grpc.ServiceError>;
          const replica = metadata?.get(servedByHeader)[0]?.toString() ?? address;
          if (code !== undefined && refusalCodes.has(code)) {
            const reason =
              code === grpc.status.ABORTED ? `it ${details ?? ''}` : `${grpc.status[code]}: ${details ?? ''}`;
            const newer = code === grpc.status.ABORTED ? await this.#pull(client) : undefined;
            return { kind: 'refused', replica, reason, newer };
          }
          this.#logger.warn({ peer: address, err: error }, 'a peer did not take the change');
          return { kind: 'unreached', replica, reason: code === undefined ? String(error) : grpc.status[code] };
        }
      }),
    );
  }

  /** The change a peer holds, when it refused ours as older; undefined when it cannot say. */
  async #pull(client: Client): Promise<Change<Value> | undefined> {
    try {
      const change = await this.#transport.pull(client, (await this.#peerCall())());
      checkNotFromTheFuture(change.version);
      return change;
    } catch (error) {
      this.#logger.warn({ err: error }, 'could not read the newer change a peer holds');
      return undefined;
    }
  }

  /**
   * After a refusal: take the newest change the refusing peers hold, and
   * pass it to the peers that took ours, so every replica reached holds the
   * same one again. Returns it, or undefined when no refusal was a newer change.
   */
  async #adoptNewestOf(
    refused: Extract<PeerOutcome<Value>, { kind: 'refused' }>[],
    peers: [string, Client][],
    outcomes: PeerOutcome<Value>[],
  ): Promise<{ version: Version; on: string[] } | undefined> {
    const newest = newestOf(refused.flatMap((refusal) => (refusal.newer ? [refusal.newer] : [])));
    if (newest === undefined) return undefined;
    this.#state.apply(newest);
    const held = { value: this.#state.current, version: this.#state.version };
    const holdsHeld = (outcome: PeerOutcome<Value> | undefined) =>
      outcome?.kind === 'refused' &&
      outcome.newer !== undefined &&
      compareVersions(outcome.newer.version, held.version) >= 0;
    // Those that took ours, and refusers holding something older than what stands here now.
    const behind = peers.filter((_, index) => {
      const outcome = outcomes[index];
      return (
        outcome?.kind === 'took' || (outcome?.kind === 'refused' && outcome.newer !== undefined && !holdsHeld(outcome))
      );
    });
    const repaired = await this.#forward(behind, held);
    const on = [
      this.#replica(),
      ...repaired.flatMap((outcome) => (outcome.kind === 'took' ? outcome.replicas : [])),
      ...refused.flatMap((refusal) => (holdsHeld(refusal) ? [refusal.replica] : [])),
    ];
    this.#logger.info(
      { value: this.#describe(held.value), version: held.version, on },
      'took the newer change a peer holds',
    );
    return { version: held.version, on };
  }

  /**
   * Applies a change a peer forwarded (`version` from forwardedVersionOf).
   * Throws PermissionDeniedError when the caller is not a peer,
   * InvalidArgumentError for a version from the far future, and AbortedError
   * when this replica holds a newer change (the same change again is fine).
   */
  async receive(value: Value, version: Version, caller: { metadata: grpc.Metadata; peer: string }): Promise<void> {
    const token = bearerTokenOf(caller.metadata.get('authorization')[0]);
    try {
      if (token === undefined) throw new InvalidTokenError('no token');
      await verifyToken(token, this.#key, { audience: this.#audience });
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      throw new PermissionDeniedError('a forwarded change needs a peer token minted by a replica');
    }
    if (!(await this.#peers.includesHost(caller.peer))) {
      throw new PermissionDeniedError(`a forwarded change must come from a replica, not ${caller.peer}`);
    }
    checkNotFromTheFuture(version);
    const held = this.#state.version;
    if (compareVersions(version, held) < 0) {
      this.#logger.info({ value: this.#describe(value), version, held }, 'refused a change older than the one held');
      throw new AbortedError(`holds a newer change, made at ${describeVersion(held)}`);
    }
    const applied = this.#state.apply({ value, version });
    this.#logger.info({ value: this.#describe(value), version, applied }, 'change from a peer');
  }

  /** At start: take the newest value any peer holds, if it is newer than the start-up one. */
  async adoptFromPeers(): Promise<void> {
    const peers = await this.#currentPeers();
    if (peers.length === 0) return;
    const call = await this.#peerCall();
    const answers = await Promise.all(
      peers.map(async ([address, client]) => {
        try {
          const change = await this.#transport.pull(client, call());
          checkNotFromTheFuture(change.version);
          return [change];
        } catch (error) {
          this.#logger.warn({ peer: address, err: error }, 'could not take the value of a peer');
          return [];
        }
      }),
    );
    const newest = newestOf(answers.flat());
    if (newest && this.#state.apply(newest)) {
      this.#logger.info(
        { value: this.#describe(newest.value), version: newest.version },
        'adopted the value of the peers',
      );
    }
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  /** The peers as resolved now, each with its long-lived client. */
  async #currentPeers(): Promise<[string, Client][]> {
    const addresses = await this.#peers.addresses();
    for (const [address, client] of this.#clients) {
      if (!addresses.includes(address)) {
        client.close();
        this.#clients.delete(address);
      }
    }
    return addresses.map((address) => {
      let client = this.#clients.get(address);
      if (!client) {
        client = this.#connect(address);
        this.#clients.set(address, client);
      }
      return [address, client];
    });
  }

  /** A maker of call options for peer calls: the peer token, the version headers, a fresh deadline. */
  async #peerCall(version?: Version): Promise<() => PeerCall> {
    const token = await this.#peerToken();
    return () => {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      if (version) {
        metadata.set(replicationOriginHeader, version.origin);
        metadata.set(replicationAtHeader, String(version.atMs));
      }
      return { metadata, deadline: new Date(Date.now() + peerCallTimeoutMs), waitForReady: true };
    };
  }

  /** Minted once and renewed before it expires: one signature per few minutes, not per change. */
  #peerToken(now = Date.now()): Promise<string> {
    if (this.#token === undefined || now >= this.#token.renewAt) {
      const value = mintToken({
        key: this.#key,
        subject: `replica:${this.#replica()}`,
        role: 'admin',
        ttlSeconds: peerTokenTtlSeconds,
        audience: this.#audience,
      });
      this.#token = { value, renewAt: now + (peerTokenTtlSeconds / 2) * 1000 };
    }
    return this.#token.value;
  }
}

/** The version of a forwarded change, from its metadata; undefined for a change made by a person. */
export function forwardedVersionOf(metadata: grpc.Metadata): Version | undefined {
  const origin = metadata.get(replicationOriginHeader)[0];
  const at = metadata.get(replicationAtHeader)[0];
  if (origin === undefined && at === undefined) return undefined;
  const atMs = Number(at);
  if (typeof origin !== 'string' || origin === '' || !Number.isSafeInteger(atMs) || atMs <= 0) {
    throw new InvalidArgumentError(`a forwarded change needs ${replicationOriginHeader} and ${replicationAtHeader}`);
  }
  return { atMs, origin };
}

function newestOf<Value>(changes: Change<Value>[]): Change<Value> | undefined {
  return changes.reduce<Change<Value> | undefined>(
    (best, change) => (best === undefined || compareVersions(change.version, best.version) > 0 ? change : best),
    undefined,
  );
}

/** "2026-12-04T12:00:00.000Z through replica-b": when and where a change was first made. */
function describeVersion(version: Version): string {
  return `${new Date(version.atMs).toISOString()} through ${version.origin}`;
}

/**
 * What the admin reads when a change did not take everywhere: who took it,
 * who refused it and why, who did not answer, and where the replicas stand now.
 */
function refusalMessage(outcome: {
  took: string[];
  refused: { replica: string; reason: string }[];
  unreached: { replica: string; reason: string }[];
  superseded: { version: Version; on: string[] } | undefined;
}): string {
  const parts = [
    `the change did not take on every replica: taken by ${outcome.took.join(', ')}`,
    ...outcome.refused.map((refusal) => `refused by ${refusal.replica} (${refusal.reason})`),
    ...outcome.unreached.map((peer) => `not answered by ${peer.replica} (${peer.reason})`),
  ];
  const now = outcome.superseded
    ? `The newer change (made at ${describeVersion(outcome.superseded.version)}) stands in its place on ${outcome.superseded.on.join(', ')}: read it, then make the change again if it is still wanted.`
    : 'The replicas now differ: correct the refusing ones, then make the change again.';
  return `${parts.join('; ')}. ${now}`;
}

function checkNotFromTheFuture(version: Version, now = Date.now()): void {
  if (version.atMs > now + maxClockSkewMs) {
    throw new InvalidArgumentError(
      `the change's version is ${version.atMs - now} ms ahead of this replica's clock (at most ${maxClockSkewMs} ms)`,
    );
  }
}

/** google.protobuf.Timestamp <-> ms, for the update_time of a Get*Response. */
export function msToTimestamp(ms: number) {
  return ms === 0 ? null : { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

export function timestampToMs(timestamp: { seconds: string; nanos: number } | null): number {
  return timestamp ? Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000) : 0;
}
