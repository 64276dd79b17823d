// The store replicas share (REDIS_URL set). Every replica reads and writes the
// same keys, creation is one Lua script so it is atomic across replicas, and
// watches hear about creations made anywhere through one pub/sub channel.
import { Redis, type Result } from 'ioredis';
import { z } from 'zod';
import {
  AlreadyExistsError,
  callDeadline,
  DeadlineExceededError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  type Logger,
} from '@demo/platform';
import { CommandGate } from './command-gate.js';
import type { StoreCall, UserPage, UserStore, WatchOptions } from './store.js';
import { UserFeed } from './user-feed.js';
import { createFingerprint, emailKey, requestIdTtlSeconds, type NewUser, type User } from './users.js';

const keys = {
  /** String: a create's answer under its request id (JSON), expiring after requestIdTtlSeconds. */
  request: (requestId: string) => `users:request:${requestId}`,
  /** INCR hands out ids: unique across replicas and increasing, which paging relies on. */
  lastId: 'users:last-id',
  /** Sorted set of ids scored by id, for paging by "ids after X". */
  ids: 'users:ids',
  /** Hash of lowercased email -> id: the uniqueness index. */
  idByEmail: 'users:id-by-email',
  /** Hash of id -> the user as JSON. */
  records: 'users:records',
};
/** Every created user is published here as the same JSON the records hash holds. */
const createdChannel = 'users:created';

/**
 * Creates a batch of users. Redis runs a script without interleaving any
 * other command, so checking every email and then writing is atomic even with
 * many replicas: either all users are created or none is. Publishing inside
 * the script ties each event to its write, in id order. With a request id the
 * answer is recorded in the same script, so a retry finds either nothing done
 * or everything done and its answer, never half.
 *
 * KEYS: lastId, ids, idByEmail, records, the request id's record. ARGV: the
 * channel, the record's TTL in seconds, the request's fingerprint ('' without
 * a request id), then name, email, email key for each user. Returns
 * {'taken', email}, {'reused'} (the id came with other users) or {'created', json...}.
 */
const createUsersScript = `
local channel = ARGV[1]
local ttl = tonumber(ARGV[2])
local fingerprint = ARGV[3]
local first = 4
local count = (#ARGV - 3) / 3
if fingerprint ~= '' then
  local earlier = redis.call('GET', KEYS[5])
  if earlier then
    local record = cjson.decode(earlier)
    if record.fingerprint ~= fingerprint then return {'reused'} end
    local replay = {'created'}
    for i = 1, #record.users do replay[#replay + 1] = record.users[i] end
    return replay
  end
end
local seen = {}
for i = 0, count - 1 do
  local email = ARGV[first + 1 + i * 3]
  local key = ARGV[first + 2 + i * 3]
  if seen[key] or redis.call('HEXISTS', KEYS[3], key) == 1 then
    return {'taken', email}
  end
  seen[key] = true
end
-- The server's clock, so every replica stamps users from the same clock.
local now = redis.call('TIME')
local createTimeMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local created = {'created'}
local users = {}
for i = 0, count - 1 do
  local id = redis.call('INCR', KEYS[1])
  local record = cjson.encode({
    id = id, name = ARGV[first + i * 3], email = ARGV[first + 1 + i * 3], createTimeMs = createTimeMs })
  redis.call('HSET', KEYS[4], id, record)
  redis.call('HSET', KEYS[3], ARGV[first + 2 + i * 3], id)
  redis.call('ZADD', KEYS[2], id, id)
  redis.call('PUBLISH', channel, record)
  created[#created + 1] = record
  users[#users + 1] = record
end
if fingerprint ~= '' then
  redis.call('SET', KEYS[5], cjson.encode({ fingerprint = fingerprint, users = users }), 'EX', ttl)
end
return created
`;

// defineCommand adds createUsers at run time; this is how ioredis documents typing it.
declare module 'ioredis' {
  interface RedisCommander<Context> {
    createUsers(
      lastIdKey: string,
      idsKey: string,
      idByEmailKey: string,
      recordsKey: string,
      requestKey: string,
      channel: string,
      ttlSeconds: number,
      fingerprint: string,
      ...fields: string[]
    ): Result<unknown, Context>;
  }
}

/** A stored user as the script writes it; parsed, because Redis is outside this process. */
const storedUserSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  email: z.string(),
  createTimeMs: z.number(),
});

function parseStoredUser(json: string): User {
  const { id, name, email, createTimeMs } = storedUserSchema.parse(JSON.parse(json));
  return { id, name, email, status: 'USER_STATUS_ACTIVE', createTime: new Date(createTimeMs) };
}

const scriptReplySchema = z.union([
  z.tuple([z.literal('taken'), z.string()]),
  z.tuple([z.literal('reused')]),
  z.tuple([z.literal('created')], z.string()),
]);

/** Pages read when a watch first sends the existing users. */
const existingPageSize = 100;

/** Answer this much before the caller's deadline, so the caller hears the store's status rather than its own timeout. */
const deadlineMarginMs = 20;
/** Consecutive commands Redis did not answer in time before this replica reports NOT_SERVING. */
const timeoutsBeforeUnready = 3;

export interface RedisUserStoreOptions {
  url: string;
  logger: Logger;
  /** Told whether Redis is reachable now and whenever that changes: the service's readiness. */
  onReadinessChange: (ready: boolean) => void;
  /** A command Redis has not answered by then fails (sooner when the caller's deadline is sooner). */
  commandTimeoutMs: number;
  /** Commands sent and unanswered at most; more wait for a slot. */
  maxInFlightCommands: number;
  /** Commands waiting for a slot at most; more are refused at once. */
  maxQueuedCommands: number;
}

export class RedisUserStore implements UserStore {
  readonly #redis: Redis;
  /**
   * A connection that subscribes is given over to pub/sub, so watches get
   * their own: one per process, shared by every watch, subscribed only while
   * at least one watch is open.
   */
  readonly #subscriber: Redis;
  readonly #feeds = new Set<UserFeed>();
  /** The SUBSCRIBE in effect on the subscriber's current connection, if any. */
  #subscription: Promise<void> | undefined;
  readonly #log: Logger;
  readonly #onReadinessChange: (ready: boolean) => void;
  readonly #gate: CommandGate;
  readonly #commandTimeoutMs: number;
  #ready: boolean | undefined;
  /** Commands in a row that Redis did not answer in time: a Redis that is up but stopped answering. */
  #timeoutsInARow = 0;

  constructor(options: RedisUserStoreOptions) {
    this.#log = options.logger.child({ component: 'redis-user-store' });
    this.#onReadinessChange = options.onReadinessChange;
    this.#commandTimeoutMs = options.commandTimeoutMs;
    this.#gate = new CommandGate({ maxInFlight: options.maxInFlightCommands, maxQueued: options.maxQueuedCommands });
    this.#redis = new Redis(options.url, {
      connectionName: 'user-service',
      // Fail at once while disconnected instead of queueing: the caller gets
      // UNAVAILABLE and retries another replica, and readiness has already
      // taken this one out of rotation.
      enableOfflineQueue: false,
      // Do not resend a command after a reconnect: a create may already have run.
      maxRetriesPerRequest: 0,
      // Reconnect soon after Redis returns; at most one attempt every 2 s during an outage.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      scripts: { createUsers: { numberOfKeys: 5, lua: createUsersScript } },
    });
    this.#subscriber = this.#redis.duplicate({
      connectionName: 'user-service-watch',
      // Events published while disconnected are lost, so a dropped connection
      // fails the open watches (see #subscriptionLost) rather than quietly resubscribing.
      autoResubscribe: false,
    });
    for (const connection of [this.#redis, this.#subscriber]) {
      connection.on('ready', () => this.#publishReadiness());
      connection.on('close', () => this.#publishReadiness());
      connection.on('end', () => this.#publishReadiness());
      // Without a listener ioredis prints every reconnect failure to stderr.
      connection.on('error', (error: Error) => this.#log.warn({ err: error }, 'redis connection error'));
    }
    this.#subscriber.on('close', () => this.#subscriptionLost());
    this.#subscriber.on('message', (channel: string, message: string) => this.#fanOut(channel, message));
    this.#publishReadiness();
  }

  async create(
    newUsers: readonly NewUser[],
    options: StoreCall & { requestId?: string | undefined } = {},
  ): Promise<User[]> {
    if (newUsers.length === 0) return [];
    const { requestId } = options;
    const fields = newUsers.flatMap(({ name, email }) => [name, email, emailKey(email)]);
    const reply = await this.#command({ ...options, writes: true }, () =>
      this.#redis.createUsers(
        keys.lastId,
        keys.ids,
        keys.idByEmail,
        keys.records,
        keys.request(requestId ?? ''),
        createdChannel,
        requestIdTtlSeconds,
        requestId === undefined ? '' : createFingerprint(newUsers),
        ...fields,
      ),
    );
    const parsed = scriptReplySchema.parse(reply);
    if (parsed[0] === 'taken') throw new AlreadyExistsError(`email ${parsed[1]} is taken`);
    if (parsed[0] === 'reused') throw new InvalidArgumentError('request_id was already used for a different request');
    const [, ...records] = parsed;
    return records.map(parseStoredUser);
  }

  async get(id: number, call: StoreCall = {}): Promise<User> {
    const record = await this.#command(call, () => this.#redis.hget(keys.records, String(id)));
    if (record === null) throw new NotFoundError(`user ${id} not found`);
    return parseStoredUser(record);
  }

  async list({ pageSize, afterId }: { pageSize: number; afterId: number }, call: StoreCall = {}): Promise<UserPage> {
    // One more than a page tells whether another page follows. The exclusive
    // lower bound "(afterId" is what makes paging stable.
    const [ids, total] = await this.#command(call, () =>
      Promise.all([
        this.#redis.zrangebyscore(keys.ids, `(${afterId}`, '+inf', 'LIMIT', 0, pageSize + 1),
        this.#redis.zcard(keys.ids),
      ]),
    );
    const pageIds = ids.slice(0, pageSize);
    if (pageIds.length === 0) return { users: [], total, hasMore: false };
    const records = await this.#command(call, () => this.#redis.hmget(keys.records, ...pageIds));
    const users = records.map((record, index) => {
      // The script writes the id and the record together, so a gap is corruption.
      if (record === null) throw new Error(`user ${pageIds[index] ?? '?'} is indexed but has no record`);
      return parseStoredUser(record);
    });
    return { users, total, hasMore: ids.length > pageSize };
  }

  async *watch(signal: AbortSignal, options: WatchOptions): AsyncGenerator<User> {
    const feed = new UserFeed(signal);
    // Leave on abort even if the consumer is stuck and never pulls again. A
    // signal aborted already ends the loops below at once, and finally leaves.
    const leave = () => this.#leave(feed);
    signal.addEventListener('abort', leave, { once: true });
    try {
      // Subscribed before reading existing users: a user created meanwhile is
      // then either in the pages read or in the feed, never in neither.
      await this.#join(feed);
      const afterId = options.afterId ?? (options.includeExisting ? 0 : undefined);
      let lastSentId = afterId ?? 0;
      if (afterId !== undefined) {
        for (let hasMore = true; hasMore;) {
          const page = await this.list({ pageSize: existingPageSize, afterId: lastSentId }, { signal });
          for (const user of page.users) {
            if (signal.aborted) return;
            yield user;
            lastSentId = user.id;
          }
          hasMore = page.hasMore;
        }
      }
      // Events arrive in id order; those at or below lastSentId were in the pages already sent.
      for await (const user of feed) if (user.id > lastSentId) yield user;
    } finally {
      signal.removeEventListener('abort', leave);
      leave();
    }
  }

  /** How many watches are open: a test checks that every ended watch left. */
  get openWatches(): number {
    return this.#feeds.size;
  }

  async close(): Promise<void> {
    // Called after the server drained, so no command is in flight to lose.
    this.#subscriber.disconnect();
    this.#redis.disconnect();
  }

  /** Adds a watch's feed, subscribing if no subscription is in effect, and waits until it is. */
  async #join(feed: UserFeed): Promise<void> {
    this.#feeds.add(feed);
    if (!this.#subscription) {
      const attempt = this.#command({}, () => this.#subscriber.subscribe(createdChannel)).then(() => undefined);
      this.#subscription = attempt;
      // A failed SUBSCRIBE must not stick: the next watch tries again.
      attempt.catch(() => {
        if (this.#subscription === attempt) this.#subscription = undefined;
      });
    }
    await this.#subscription;
  }

  /** Removes a watch's feed; the last one to leave unsubscribes, so idle replicas hold no subscription. */
  #leave(feed: UserFeed): void {
    if (!this.#feeds.delete(feed) || this.#feeds.size > 0 || !this.#subscription) return;
    this.#subscription = undefined;
    // Commands on one connection run in order, so a later SUBSCRIBE still wins.
    this.#subscriber.unsubscribe(createdChannel).catch((error: unknown) => {
      this.#log.warn({ err: error }, 'unsubscribing from user events failed');
    });
  }

  #fanOut(channel: string, message: string): void {
    if (channel !== createdChannel) return;
    let user: User;
    try {
      user = parseStoredUser(message);
    } catch (error) {
      this.#log.error({ err: error, message }, 'ignoring a malformed user event');
      return;
    }
    for (const feed of this.#feeds) feed.push(user);
  }

  /** Users created while the subscriber is disconnected would be missed, so open watches end instead. */
  #subscriptionLost(): void {
    this.#subscription = undefined;
    if (this.#feeds.size === 0) return;
    this.#log.warn({ watches: this.#feeds.size }, 'lost the user event subscription; ending open watches');
    const error = new UnavailableError('lost the user event subscription; reconnect with resume_after_id');
    for (const feed of this.#feeds) feed.fail(error);
  }

  #publishReadiness(): void {
    const ready =
      this.#redis.status === 'ready' &&
      this.#subscriber.status === 'ready' &&
      this.#timeoutsInARow < timeoutsBeforeUnready;
    if (ready === this.#ready) return;
    this.#ready = ready;
    if (ready) this.#log.info('redis ready');
    else this.#log.warn('redis not ready: reporting NOT_SERVING');
    this.#onReadinessChange(ready);
  }

  /**
   * Sends Redis commands, bounded by the caller: through the gate (a bounded
   * number sent, a bounded number waiting, none sent after its caller's time
   * is up), and answered within the command timeout or before the caller's
   * deadline, whichever is sooner. An error Redis itself answered (a
   * ReplyError) is a bug and stays one. Otherwise Redis could not be reached
   * or did not answer: UNAVAILABLE, so that callers retry, possibly on
   * another replica, unless the command was a write that left this process
   * (see #outcomeUnknown).
   */
  async #command<T>(call: StoreCall & { writes?: boolean }, send: () => Promise<T>): Promise<T> {
    const bound = callDeadline({
      timeoutMs: this.#commandTimeoutMs,
      callerDeadline: call.deadline,
      marginMs: deadlineMarginMs,
    });
    if (bound === 'spent') throw new DeadlineExceededError('the deadline leaves no time for the user store');
    const answerBy = bound.deadline.getTime();
    // Only Redis's own slowness counts against readiness: a caller in a
    // hurry (a deadline shorter than the command timeout) says nothing about Redis.
    const redisIsToBlame = bound.deadlineSetBy === 'own_timeout';
    const release = await this.#gate.admit(answerBy, call.signal);
    // ioredis refuses a command at once, unsent, unless its connection is
    // ready (enableOfflineQueue is off); a command it takes is on the wire.
    const onTheWire = this.#redis.status === 'ready';
    const sent = send();
    // The slot is held until Redis answers; an answer, even a late one, says Redis is back.
    sent.then(
      () => this.#answered(release),
      (error: unknown) => (error instanceof Error && error.name === 'ReplyError' ? this.#answered(release) : release()),
    );
    const { promise: timedOut, reject } = Promise.withResolvers<never>();
    const waitMs = Math.max(0, answerBy - Date.now());
    const timer = setTimeout(() => {
      if (redisIsToBlame) this.#timedOut();
      const silence = `the user store did not answer within ${waitMs} ms`;
      reject(call.writes && onTheWire ? this.#outcomeUnknown(silence) : new UnavailableError(silence));
    }, waitMs);
    try {
      return await Promise.race([sent, timedOut]);
    } catch (error) {
      if (error instanceof UnavailableError || error instanceof DeadlineExceededError) throw error;
      if (error instanceof Error && error.name === 'ReplyError') throw error;
      if (call.writes && onTheWire) throw this.#outcomeUnknown('the connection to the user store was lost', error);
      throw new UnavailableError('the user store is unreachable', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A write that reached Redis unanswered may still be applied (a frozen
   * Redis runs it when it thaws). UNAVAILABLE would tell the caller that
   * nothing happened and a retry is safe, so a client without a request id
   * would create the user twice; DEADLINE_EXCEEDED says the outcome is unknown.
   */
  #outcomeUnknown(what: string, cause?: unknown): DeadlineExceededError {
    return new DeadlineExceededError(
      `${what}: the create may or may not have been applied; retry with the same request_id to learn which, safely`,
      { cause },
    );
  }

  #answered(release: () => void): void {
    release();
    if (this.#timeoutsInARow === 0) return;
    this.#timeoutsInARow = 0;
    this.#publishReadiness();
  }

  #timedOut(): void {
    this.#timeoutsInARow += 1;
    if (this.#timeoutsInARow === timeoutsBeforeUnready) {
      this.#log.warn({ in_flight: this.#gate.inFlight }, 'redis stopped answering: reporting NOT_SERVING');
    }
    this.#publishReadiness();
  }
}
