// Bounds what waits on Redis, so a Redis that stops answering costs a bounded
// amount of memory and no command is sent for a caller that has given up.
import { UnavailableError } from '@demo/platform';

/**
 * At most `maxInFlight` commands sent and unanswered; at most `maxQueued`
 * more waiting to be sent, each only until its time is up. A slot is held
 * until Redis answers (or the connection drops), not merely until the caller
 * stops waiting: ioredis keeps every sent command queued for its reply, so
 * releasing earlier would let that queue grow without bound during a stall.
 */
export class CommandGate {
  readonly #maxInFlight: number;
  readonly #maxQueued: number;
  readonly #waiting = new Set<() => void>();
  #inFlight = 0;

  constructor(options: { maxInFlight: number; maxQueued: number }) {
    this.#maxInFlight = options.maxInFlight;
    this.#maxQueued = options.maxQueued;
  }

  /** Commands sent and not yet answered. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Commands waiting to be sent. */
  get queued(): number {
    return this.#waiting.size;
  }

  /**
   * Waits for a slot until `answerBy` (epoch ms) or until `signal` aborts,
   * and resolves with the function that gives it back. Rejects with
   * UnavailableError when the queue is full or the time is up: the command
   * is then never sent.
   */
  async admit(answerBy: number, signal?: AbortSignal): Promise<() => void> {
    if (this.#inFlight < this.#maxInFlight && this.#waiting.size === 0) return this.#take();
    if (this.#waiting.size >= this.#maxQueued) {
      throw new UnavailableError('the user store is not keeping up: too many commands waiting');
    }
    const { promise, resolve, reject } = Promise.withResolvers<() => void>();
    const admitted = () => {
      cleanup();
      resolve(this.#take());
    };
    const giveUp = () => {
      cleanup();
      reject(new UnavailableError('the user store did not answer in time; the command was not sent'));
    };
    const timer = setTimeout(giveUp, Math.max(0, answerBy - Date.now()));
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', giveUp);
      this.#waiting.delete(admitted);
    };
    signal?.addEventListener('abort', giveUp, { once: true });
    this.#waiting.add(admitted);
    if (signal?.aborted) giveUp();
    return promise;
  }

  #take(): () => void {
    this.#inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight -= 1;
      const [next] = this.#waiting;
      next?.();
    };
  }
}
