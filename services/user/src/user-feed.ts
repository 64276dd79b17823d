// One watcher's queue of newly created users: the store pushes as users are
// created, the watch stream pulls at its own pace.
import { UnavailableError } from '@demo/platform';
import type { User } from './users.js';

/**
 * A client that reads slower than users are created would otherwise grow this
 * buffer without limit; past it the watch fails and the client can reconnect
 * with include_existing to catch up.
 */
export const maxBufferedUsers = 10_000;

export class UserFeed implements AsyncIterable<User> {
  readonly #signal: AbortSignal;
  readonly #buffered: User[] = [];
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  /** The feed ends, even while waiting, as soon as `signal` aborts. */
  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  push(user: User): void {
    if (this.#buffered.length >= maxBufferedUsers) {
      this.fail(new UnavailableError('watch fell too far behind; reconnect with resume_after_id'));
      return;
    }
    this.#buffered.push(user);
    this.#wakeUp();
  }

  /** Ends the feed with `error` (the first failure wins). */
  fail(error: Error): void {
    this.#failure ??= error;
    this.#wakeUp();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<User> {
    // Listening only while iterated, and removed however the iteration ends,
    // so an ended watch leaves nothing on a signal that may outlive it.
    const wakeUp = () => this.#wakeUp();
    this.#signal.addEventListener('abort', wakeUp, { once: true });
    try {
      for (;;) {
        if (this.#signal.aborted) return;
        if (this.#failure) throw this.#failure;
        const next = this.#buffered.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } finally {
      this.#signal.removeEventListener('abort', wakeUp);
      this.#wake = undefined;
    }
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
