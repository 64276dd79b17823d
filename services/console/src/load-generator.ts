import * as grpc from '@grpc/grpc-js';
import { context, isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import { unaryCall } from '@demo/platform';
import type { AggregatorServiceClient } from '@demo/platform/generated/demo/aggregator/v1/AggregatorService.js';
import type { GetUserHomeResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/GetUserHomeResponse.js';
import type { LoadStatus, RecentCall } from './wire.js';

/** Ticks of the scheduler: fine enough to spread 100 calls a second evenly. */
const tickMs = 10;
/** At most this many calls in flight: a hung system must not make the console hold every call it ever sent. */
const maxInFlight = 5000;
const recentKept = 10;

/**
 * Open-loop GetUserHome load: call i goes out at start + i / rate whether or
 * not earlier calls have answered (a closed loop would slow down with the
 * system and hide the latency it should show). The rate can change while it
 * runs. Each call runs in a span of its own, so its trace id is known and
 * the page can link the trace.
 */
export class LoadGenerator {
  readonly recent: RecentCall[] = [];
  readonly #client: AggregatorServiceClient;
  readonly #token: () => Promise<string>;
  readonly #userIds: readonly string[];
  readonly #deadlineMs: number;
  readonly #onOutcome: (outcome: string) => void;
  readonly #tracer = trace.getTracer('console-load');
  #rate = 0;
  #timer: NodeJS.Timeout | undefined;
  #origin = 0;
  #due = 0;
  #sent = 0;
  #skipped = 0;
  #inFlight = 0;

  constructor(options: {
    client: AggregatorServiceClient;
    token: () => Promise<string>;
    userIds: readonly string[];
    deadlineMs: number;
    onOutcome?: (outcome: string) => void;
  }) {
    this.#client = options.client;
    this.#token = options.token;
    this.#userIds = options.userIds;
    this.#deadlineMs = options.deadlineMs;
    this.#onOutcome = options.onOutcome ?? (() => undefined);
  }

  get status(): LoadStatus {
    return {
      running: this.#timer !== undefined,
      rate: this.#rate,
      sent: this.#sent,
      inFlight: this.#inFlight,
      skipped: this.#skipped,
    };
  }

  /** Runs at `rate` calls a second (starting, or changing the rate); 0 stops. */
  setRate(rate: number): void {
    if (rate <= 0) {
      this.stop();
      return;
    }
    this.#rate = rate;
    // The schedule restarts from now, so a rate change neither bursts nor pauses.
    this.#origin = performance.now();
    this.#due = 0;
    this.#timer ??= setInterval(() => this.#tick(), tickMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#rate = 0;
  }

  #tick(): void {
    const shouldHaveSent = Math.floor(((performance.now() - this.#origin) / 1000) * this.#rate);
    for (; this.#due < shouldHaveSent; this.#due += 1) {
      if (this.#inFlight >= maxInFlight) {
        this.#skipped += 1;
        continue;
      }
      void this.#send(this.#origin + (this.#due * 1000) / this.#rate);
    }
  }

  async #send(scheduledAt: number): Promise<void> {
    this.#sent += 1;
    this.#inFlight += 1;
    const userId = this.#userIds[this.#sent % this.#userIds.length] ?? '1';
    const span = this.#tracer.startSpan('console load: GetUserHome');
    const spanContext = span.spanContext();
    const traceId =
      isSpanContextValid(spanContext) && (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0
        ? spanContext.traceId
        : undefined;
    let outcome = 'ok';
    let reason = '';
    try {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${await this.#token()}`);
      const { response } = await context.with(trace.setSpan(context.active(), span), () =>
        unaryCall<GetUserHomeResponse__Output>(
          (md, options, callback) => this.#client.getUserHome({ userId }, md, options, callback),
          { deadline: new Date(Date.now() + this.#deadlineMs), metadata },
        ),
      );
      if (response.degraded) {
        outcome = 'degraded';
        reason = response.degradations.map((d) => `${d.dependency}: ${d.reason}`).join('; ');
      }
    } catch (error) {
      const code = (error as { code?: number }).code;
      outcome = code === undefined ? 'CLIENT_ERROR' : (grpc.status[code] ?? String(code));
      reason = (error as { details?: string }).details ?? String(error);
    } finally {
      span.end();
      this.#inFlight -= 1;
    }
    this.#onOutcome(outcome);
    if (outcome !== 'ok') {
      this.recent.unshift({
        at: Date.now(),
        outcome,
        reason,
        latencyMs: Math.round(performance.now() - scheduledAt),
        traceId,
      });
      if (this.recent.length > recentKept) this.recent.pop();
    }
  }
}
