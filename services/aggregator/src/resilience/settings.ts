import { eachDefense, type DefenseSwitches } from '@demo/platform';
import { defenseVariable, type AggregatorConfig } from '../config.js';

export type DependencyName = 'user' | 'recommendation';

/** The defenses in force, after the master switch RESILIENCE_ENABLED and the one per defense. */
export interface ResilienceSettings {
  /**
   * The start-up switches: timeouts (each downstream call gets its own
   * timeout, and the caller's deadline less a margin), retries (grpc-js
   * retries idempotent reads on UNAVAILABLE, within a retry budget), the
   * circuit breaker, the bulkhead, and fallback (a failing optional
   * dependency degrades the answer instead of failing it).
   */
  switches: DefenseSwitches;
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
    switches: eachDefense((name) => on(config[defenseVariable(name)])),
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
