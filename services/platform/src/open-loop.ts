/**
 * The one open-loop scheduler (the control room's load, make load and the
 * benchmarks through the testkit, make e2e's in-cluster load): call i is due
 * at start + i / rate and goes out then whether or not earlier calls have
 * answered, and its caller measures its latency from that due time. A closed
 * loop (send, wait, send) slows down with the system and hides the very
 * latency it should show (coordinated omission).
 */

/** One call the loop sends. */
export interface DueCall {
  /** 0, 1, 2, ... over the loop's life, rate changes included (skipped calls too). */
  index: number;
  /** When the call was due, on the performance.now() clock: latency is measured from here, not from when it went out. */
  dueAt: number;
}

export interface OpenLoopOptions {
  /** Calls a second; 0 sends nothing until setRate. */
  rate: number;
  /** Sends one call and resolves when it has answered; it must not reject. */
  send: (call: DueCall) => Promise<void>;
  /** The loop stops after this many calls are due. */
  total?: number;
  /** Stops the loop when aborted; calls sent already still finish. */
  signal?: AbortSignal;
  /** With this many calls in flight a due call is skipped (counted), never queued: a hung system must not make the loop hold every call. */
  maxInFlight?: number;
}

export class OpenLoop {
  readonly #send: (call: DueCall) => Promise<void>;
  readonly #total: number;
  readonly #maxInFlight: number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stopped: Promise<void>;
  #markStopped: () => void = () => undefined;
  #rate = 0;
  #origin = 0;
  /** Calls due since #origin. */
  #due = 0;
  #index = 0;
  #sent = 0;
  #skipped = 0;
  #timer: NodeJS.Timeout | undefined;
  #done = false;

  constructor(options: OpenLoopOptions) {
    this.#send = options.send;
    this.#total = options.total ?? Number.POSITIVE_INFINITY;
    this.#maxInFlight = options.maxInFlight ?? Number.POSITIVE_INFINITY;
    this.#stopped = new Promise((resolve) => (this.#markStopped = resolve));
    if (options.signal?.aborted || this.#total <= 0) {
      this.stop();
      return;
    }
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
    this.setRate(options.rate);
  }

  /** Calls sent, calls skipped at the in-flight bound, calls not answered yet. */
  get counts(): { rate: number; sent: number; skipped: number; inFlight: number } {
    return { rate: this.#rate, sent: this.#sent, skipped: this.#skipped, inFlight: this.#inFlight.size };
  }

  /** Sends at `rate` calls a second from now on (0 pauses): the schedule restarts, so a change neither bursts nor pauses. */
  setRate(rate: number): void {
    if (this.#done) return;
    this.#rate = Math.max(0, rate);
    this.#origin = performance.now();
    this.#due = 0;
    this.#arm();
  }

  /** Stops for good; calls sent already still finish (see finished). */
  stop(): void {
    this.#done = true;
    this.#rate = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#markStopped();
  }

  /** Resolves once the loop has stopped (stop, the signal or total) and every call it sent has answered. */
  async finished(): Promise<void> {
    await this.#stopped;
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #dueAt(due: number): number {
    return this.#origin + (due * 1000) / this.#rate;
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#done || this.#rate === 0) return;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, this.#dueAt(this.#due) - performance.now()));
  }

  #fire(): void {
    const now = performance.now();
    while (!this.#done && this.#dueAt(this.#due) <= now) {
      if (this.#index >= this.#total) {
        this.stop();
        return;
      }
      const call = { index: this.#index, dueAt: this.#dueAt(this.#due) };
      this.#index += 1;
      this.#due += 1;
      if (this.#inFlight.size >= this.#maxInFlight) {
        this.#skipped += 1;
        continue;
      }
      this.#sent += 1;
      const request = this.#send(call);
      this.#inFlight.add(request);
      void request.finally(() => this.#inFlight.delete(request));
    }
    if (this.#index >= this.#total) this.stop();
    else this.#arm();
  }
}
