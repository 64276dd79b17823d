// The contract every user store keeps, whatever holds the data. The gRPC
// handlers depend on this interface only; main.ts picks the implementation.
import type { NewUser, User } from './users.js';

export interface UserPage {
  /** In id order, which is creation order. */
  users: User[];
  /** Every user in the store, not just this page. */
  total: number;
  /** Whether users exist after the last one of this page. */
  hasMore: boolean;
}

export interface UserStore {
  /**
   * Creates every user or none: AlreadyExistsError naming the email when any
   * address is taken, by an existing user or by another entry of the same batch.
   */
  create(users: readonly NewUser[]): Promise<User[]>;

  /** NotFoundError when no user has this id. */
  get(id: number): Promise<User>;

  /** Up to pageSize users whose id is greater than afterId. */
  list(page: { pageSize: number; afterId: number }): Promise<UserPage>;

  /**
   * Every user created from now on (the existing ones first when asked), each
   * exactly once, in creation order. Ends when `signal` aborts; a store that
   * can no longer see new users fails it with UnavailableError.
   */
  watch(signal: AbortSignal, options: { includeExisting: boolean }): AsyncIterable<User>;

  /** Releases connections; call after the server has drained. */
  close(): Promise<void>;
}
