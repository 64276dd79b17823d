import { createClient, unaryCall } from '../client.js';
import type { GetUserHomeResponse__Output } from '../generated/demo/aggregator/v1/GetUserHomeResponse.js';
import { callOptionsFor, protosOf, statusNameOf, type ServiceCallOptions, type ServiceClientOptions } from './call.js';

/**
 * What one GetUserHome came back with, in the words every caller uses (load
 * generators, reports, the console's metric): `ok`, `degraded` (an answer
 * with the fallback list), or `error:<STATUS>` (`error:UNAVAILABLE`;
 * `error:CLIENT` when the call failed before it had a status).
 */
export type HomeOutcome = 'ok' | 'degraded' | `error:${string}`;

export interface HomeCall {
  outcome: HomeOutcome;
  /** From the call's start to its end. */
  latencyMs: number;
  /** The answer, for ok and degraded. */
  answer?: GetUserHomeResponse__Output;
  /** Why it was degraded ("CIRCUIT_OPEN: ...", "DEADLINE_EXCEEDED: ..."), or the error's details. */
  reason?: string;
  /** The error, for error:<STATUS>. */
  error?: unknown;
}

export interface HomeCallOptions extends ServiceCallOptions {
  /** 0 (the default) lets the aggregator choose. */
  recommendationLimit?: number;
}

export interface HomeClient {
  /** Never rejects: a failure is an `error:<STATUS>` outcome. */
  home(userId: string | number, options?: HomeCallOptions): Promise<HomeCall>;
  close(): void;
}

/** An error outcome's status: `error:UNAVAILABLE` is UNAVAILABLE, `ok` and `degraded` have none. */
export function statusOfOutcome(outcome: HomeOutcome): string | undefined {
  return outcome.startsWith('error:') ? outcome.slice('error:'.length) : undefined;
}

/**
 * The aggregator's GetUserHome at `target`, as a front end calls it: a
 * bearer token (the user role is enough), a deadline (2 s unless told), an
 * outcome for every call.
 *
 *   const call = await homeClient('127.0.0.1:50051', { token }).home(userId)
 *   if (call.outcome === 'degraded') ...
 */
export function homeClient(target: string, options: ServiceClientOptions = {}): HomeClient {
  const client = createClient(protosOf(options).aggregator.v1.AggregatorService, target);
  const callOptions = callOptionsFor(options, 2000);
  return {
    async home(userId, call = {}) {
      const started = performance.now();
      const request = { userId: String(userId), recommendationLimit: call.recommendationLimit ?? 0 };
      try {
        const { response } = await unaryCall<GetUserHomeResponse__Output>(
          (md, callOpts, callback) => client.getUserHome(request, md, callOpts, callback),
          await callOptions(call),
        );
        const latencyMs = performance.now() - started;
        if (!response.degraded) return { outcome: 'ok', latencyMs, answer: response };
        const reason = response.degradations.map((d) => d.reason).join('; ');
        return { outcome: 'degraded', latencyMs, answer: response, reason };
      } catch (error) {
        const details = (error as { details?: unknown } | null)?.details;
        return {
          outcome: `error:${statusNameOf(error)}`,
          latencyMs: performance.now() - started,
          reason: typeof details === 'string' ? details : String(error),
          error,
        };
      }
    },
    close: () => client.close(),
  };
}
