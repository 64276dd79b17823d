// The store for one local process (no REDIS_URL): everything in memory, gone
// on exit. Single-threaded JavaScript makes every method atomic on its own.
import { AlreadyExistsError, NotFoundError } from '@demo/platform';
import type { UserPage, UserStore } from './store.js';
import { UserFeed } from './user-feed.js';
import { emailKey, type NewUser, type User } from './users.js';

export class MemoryUserStore implements UserStore {
  /** In id order: ids are handed out counting up and users are only appended. */
  readonly #users: User[] = [];
  readonly #byId = new Map<number, User>();
  readonly #idByEmail = new Map<string, number>();
  readonly #feeds = new Set<UserFeed>();
  #lastId = 0;

  async create(newUsers: readonly NewUser[]): Promise<User[]> {
    // Check every email before creating anything, so a batch is all or none.
    const batchEmails = new Set<string>();
    for (const { email } of newUsers) {
      const key = emailKey(email);
      if (this.#idByEmail.has(key) || batchEmails.has(key)) throw new AlreadyExistsError(`email ${email} is taken`);
      batchEmails.add(key);
    }
    const createTime = new Date();
    const created = newUsers.map(({ name, email }): User => {
      const user: User = { id: ++this.#lastId, name, email, status: 'USER_STATUS_ACTIVE', createTime };
      this.#users.push(user);
      this.#byId.set(user.id, user);
      this.#idByEmail.set(emailKey(email), user.id);
      return user;
    });
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

  async *watch(signal: AbortSignal, { includeExisting }: { includeExisting: boolean }): AsyncGenerator<User> {
    // Taking the snapshot and joining the feed in the same tick means no user
    // created in between can be missed or sent twice.
    const existing = includeExisting ? [...this.#users] : [];
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
}
