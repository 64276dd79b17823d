// The store for one local process (no REDIS_URL): everything in memory, gone
// on exit. Single-threaded JavaScript makes every method atomic on its own.
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@demo/platform';
import type { StoreCall, UserPage, UserStore, WatchOptions } from './store.js';
import { UserFeed } from './user-feed.js';
import { createFingerprint, emailKey, requestIdTtlSeconds, type NewUser, type User } from './users.js';

/** The answer to a create made with a request_id, kept for its retries. */
interface CreateRecord {
  fingerprint: string;
  users: User[];
  expiresAt: number;
}

/** Request ids remembered at most: the oldest are forgotten first, as if they had expired. */
const maxCreateRecords = 100_000;

export class MemoryUserStore implements UserStore {
  /** In id order: ids are handed out counting up and users are only appended. */
  readonly #users: User[] = [];
  readonly #byId = new Map<number, User>();
  readonly #idByEmail = new Map<string, number>();
  readonly #feeds = new Set<UserFeed>();
  /** By request id, oldest first (a Map keeps insertion order). */
  readonly #creates = new Map<string, CreateRecord>();
  readonly #now: () => number;
  #lastId = 0;

  /** `now` is the clock request ids expire by (a test moves it). */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async create(newUsers: readonly NewUser[], options: StoreCall & { requestId?: string | undefined } = {}) {
    const { requestId } = options;
    const fingerprint = requestId === undefined ? '' : createFingerprint(newUsers);
    if (requestId !== undefined) {
      this.#forgetExpiredCreates();
      const earlier = this.#creates.get(requestId);
      if (earlier) {
        if (earlier.fingerprint !== fingerprint) {
          throw new InvalidArgumentError('request_id was already used for a different request');
        }
        return earlier.users;
      }
    }
    // Check every email before creating anything, so a batch is all or none.
    const batchEmails = new Set<string>();
    for (const { email } of newUsers) {
      const key = emailKey(email);
      if (this.#idByEmail.has(key) || batchEmails.has(key)) throw new AlreadyExistsError(`email ${email} is taken`);
      batchEmails.add(key);
    }
    const createTime = new Date(this.#now());
    const created = newUsers.map(({ name, email }): User => {
      const user: User = { id: ++this.#lastId, name, email, status: 'USER_STATUS_ACTIVE', createTime };
      this.#users.push(user);
      this.#byId.set(user.id, user);
      this.#idByEmail.set(emailKey(email), user.id);
      return user;
    });
    if (requestId !== undefined) {
      if (this.#creates.size >= maxCreateRecords) this.#creates.delete(this.#creates.keys().next().value ?? '');
      this.#creates.set(requestId, {
        fingerprint,
        users: created,
        expiresAt: this.#now() + requestIdTtlSeconds * 1000,
      });
    }
    for (const user of created) for (const feed of this.#feeds) feed.push(user);
    return created;
  }

  async get(id: number): Promise<User> {
    const user = this.#byId.get(id);
    if (!user) throw new NotFoundError(`user ${id} not found`);
    return user;
  }

  async list({ pageSize, afterId }: { pageSize: number; afterId: number }): Promise<UserPage> {
    const start = this.#users.findIndex((user) => user.id > afterId);
    const users = start === -1 ? [] : this.#users.slice(start, start + pageSize);
    const hasMore = start !== -1 && start + pageSize < this.#users.length;
    return { users, total: this.#users.length, hasMore };
  }

  async *watch(signal: AbortSignal, options: WatchOptions): AsyncGenerator<User> {
    // Taking the snapshot and joining the feed in the same tick means no user
    // created in between can be missed or sent twice.
    const afterId = options.afterId ?? (options.includeExisting ? 0 : undefined);
    const existing = afterId === undefined ? [] : this.#users.filter((user) => user.id > afterId);
    const feed = new UserFeed(signal);
    this.#feeds.add(feed);
    // Leave on abort even if the consumer is stuck and never pulls again. A
    // signal aborted already ends the loops below at once, and finally leaves.
    const leave = () => this.#feeds.delete(feed);
    signal.addEventListener('abort', leave, { once: true });
    try {
      for (const user of existing) {
        if (signal.aborted) return;
        yield user;
      }
      yield* feed;
    } finally {
      signal.removeEventListener('abort', leave);
      leave();
    }
  }

  async close(): Promise<void> {
    this.#feeds.clear();
  }

  /** How many watches are open: a test checks that every ended watch left. */
  get openWatches(): number {
    return this.#feeds.size;
  }

  #forgetExpiredCreates(): void {
    const now = this.#now();
    for (const [requestId, record] of this.#creates) {
      if (record.expiresAt > now) return;
      this.#creates.delete(requestId);
    }
  }
}
