import { context, isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import { OpenLoop, type HomeClient, type HomeOutcome } from '@demo/platform';
import type { LoadStatus, RecentCall } from './wire.js';

/** At most this many calls in flight: a hung system must not make the console hold every call it ever sent. */
const maxInFlight = 5000;
const recentKept = 10;

/**
 * Open-loop GetUserHome load, on the platform's OpenLoop: call i goes out at
 * start + i / rate whether or not earlier calls have answered (a closed loop
 * would slow down with the system and hide the latency it should show). The
 * rate can change while it runs. Each call runs in a span of its own, so
 * its trace id is known and the page can link the trace.
 */
export class LoadGenerator {
  readonly recent: RecentCall[] = [];
  readonly #home: HomeClient;
  readonly #userIds: readonly string[];
  readonly #onOutcome: (outcome: HomeOutcome) => void;
  readonly #tracer = trace.getTracer('console-load');
  readonly #loop = new OpenLoop({
    rate: 0,
    maxInFlight,
    send: ({ index, dueAt }) => this.#send(index, dueAt),
  });

  constructor(options: {
    /** The front door, with the console's own token and the calls' deadline. */
    home: HomeClient;
    userIds: readonly string[];
    onOutcome?: (outcome: HomeOutcome) => void;
  }) {
    this.#home = options.home;
    this.#userIds = options.userIds;
    this.#onOutcome = options.onOutcome ?? (() => undefined);
  }

  get status(): LoadStatus {
    const { rate, sent, skipped, inFlight } = this.#loop.counts;
    return { running: rate > 0, rate, sent, inFlight, skipped };
  }

  /** Runs at `rate` calls a second (starting, or changing the rate: the schedule restarts from now); 0 stops. */
  setRate(rate: number): void {
    this.#loop.setRate(rate);
  }

  stop(): void {
    this.#loop.setRate(0);
  }

  async #send(index: number, dueAt: number): Promise<void> {
    const userId = this.#userIds[(index + 1) % this.#userIds.length] ?? '1';
    const span = this.#tracer.startSpan('console load: GetUserHome');
    const spanContext = span.spanContext();
    const traceId =
      isSpanContextValid(spanContext) && (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0
        ? spanContext.traceId
        : undefined;
    // home() never rejects: a failure is an error:<STATUS> outcome.
    const call = await context.with(trace.setSpan(context.active(), span), () => this.#home.home(userId));
    span.end();
    const { outcome } = call;
    const reason = call.answer?.degradations.map((d) => `${d.dependency}: ${d.reason}`).join('; ') ?? call.reason ?? '';
    this.#onOutcome(outcome);
    if (outcome !== 'ok') {
      this.recent.unshift({
        at: Date.now(),
        outcome,
        reason,
        latencyMs: Math.round(performance.now() - dueAt),
        traceId,
      });
      if (this.recent.length > recentKept) this.recent.pop();
    }
  }
}
