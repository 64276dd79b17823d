import type { AggregatorConfig } from '../config.js';

export type DependencyName = 'user' | 'recommendation';

/** The defenses in force, after the master switch RESILIENCE_ENABLED and the one per defense. */
export interface ResilienceSettings {
  /** Each downstream call gets its own timeout (and the caller's deadline less a margin). */
  timeouts: boolean;
  /** grpc-js retries idempotent reads on UNAVAILABLE, within a retry budget. */
  retries: boolean;
  circuitBreaker: boolean;
  bulkhead: boolean;
  /** A failing optional dependency degrades the answer instead of failing it. */
  fallback: boolean;
  /** Calls past this many in flight get RESOURCE_EXHAUSTED at once; undefined when admission control is off. */
  admissionMaxInFlight: number | undefined;
  deadlineMarginMs: number;
  timeoutMs: Record<DependencyName, number>;
  retry: {
    maxAttempts: number;
    initialBackoffMs: number;
    maxBackoffMs: number;
    budgetMaxTokens: number;
    budgetTokenRatio: number;
  };
  breaker: { failureRatio: number; windowMs: number; minimumRps: number; halfOpenAfterMs: number };
  bulkheadLimits: Record<DependencyName, { concurrency: number; queue: number }>;
}

export function resilienceSettings(config: AggregatorConfig): ResilienceSettings {
  const on = (switchedOn: boolean) => config.RESILIENCE_ENABLED && switchedOn;
  return {
    timeouts: on(config.RESILIENCE_TIMEOUTS),
    retries: on(config.RESILIENCE_RETRIES),
    circuitBreaker: on(config.RESILIENCE_CIRCUIT_BREAKER),
    bulkhead: on(config.RESILIENCE_BULKHEAD),
    fallback: on(config.RESILIENCE_FALLBACK),
    admissionMaxInFlight: on(config.RESILIENCE_ADMISSION) ? config.ADMISSION_MAX_IN_FLIGHT : undefined,
    deadlineMarginMs: config.DEADLINE_MARGIN_MS,
    timeoutMs: { user: config.USER_TIMEOUT_MS, recommendation: config.RECOMMENDATION_TIMEOUT_MS },
    retry: {
      maxAttempts: config.RETRY_MAX_ATTEMPTS,
      initialBackoffMs: config.RETRY_INITIAL_BACKOFF_MS,
      maxBackoffMs: config.RETRY_MAX_BACKOFF_MS,
      budgetMaxTokens: config.RETRY_BUDGET_MAX_TOKENS,
      budgetTokenRatio: config.RETRY_BUDGET_TOKEN_RATIO,
    },
    breaker: {
      failureRatio: config.BREAKER_FAILURE_RATIO,
      windowMs: config.BREAKER_WINDOW_MS,
      minimumRps: config.BREAKER_MINIMUM_RPS,
      halfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER_MS,
    },
    bulkheadLimits: {
      user: { concurrency: config.BULKHEAD_USER_CONCURRENCY, queue: config.BULKHEAD_USER_QUEUE },
      recommendation: {
        concurrency: config.BULKHEAD_RECOMMENDATION_CONCURRENCY,
        queue: config.BULKHEAD_RECOMMENDATION_QUEUE,
      },
    },
  };
}
