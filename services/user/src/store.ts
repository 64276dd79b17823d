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

/**
 * What bounds one store operation: the caller's cancellation and deadline. A
 * store that cannot answer in time fails with UnavailableError before the
 * deadline, and never sends a command whose caller has already given up.
 */
export interface StoreCall {
  signal?: AbortSignal | undefined;
  deadline?: Date | undefined;
}

/** Which users a watch sends before the new ones. */
export interface WatchOptions {
  /** Every existing user first. */
  includeExisting: boolean;
  /** Resuming: the existing users after this id first (whatever includeExisting says). */
  afterId?: number | undefined;
}

export interface UserStore {
  /**
   * Creates every user or none: AlreadyExistsError naming the email when any
   * address is taken, by an existing user or by another entry of the same batch.
   * With a requestId, a repeat of a create that succeeded returns the same
   * users and creates nothing (for requestIdTtlSeconds); the same id with
   * other users is InvalidArgumentError.
   */
  create(users: readonly NewUser[], options?: StoreCall & { requestId?: string | undefined }): Promise<User[]>;

  /** NotFoundError when no user has this id. */
  get(id: number, call?: StoreCall): Promise<User>;

  /** Up to pageSize users whose id is greater than afterId. */
  list(page: { pageSize: number; afterId: number }, call?: StoreCall): Promise<UserPage>;

  /**
   * Every user created from now on (the existing ones first when asked), each
   * exactly once, in creation order. Ends when `signal` aborts; a store that
   * can no longer see new users fails it with UnavailableError.
   */
  watch(signal: AbortSignal, options: WatchOptions): AsyncIterable<User>;

  /** Releases connections; call after the server has drained. */
  close(): Promise<void>;
}
