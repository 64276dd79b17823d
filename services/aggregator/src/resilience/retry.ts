import type { ResilienceSettings } from './settings.js';

/**
 * The one retry layer: grpc-js's own retryPolicy (gRFC A6), set in the
 * channel's service config. It retries the idempotent reads named here, on
 * UNAVAILABLE only, with exponential backoff and full jitter, all within the
 * caller's deadline. retryThrottling is the retry budget: every failure
 * spends a token, every success earns back `tokenRatio`, and retries stop
 * while fewer than half of `maxTokens` remain, so a dependency that keeps
 * failing sees little more than the calls it would see without retries.
 */
export function retryServiceConfig(
  method: { service: string; method: string },
  settings: ResilienceSettings,
): Record<string, unknown> {
  const { maxAttempts, initialBackoffMs, maxBackoffMs, budgetMaxTokens, budgetTokenRatio } = settings.retry;
  return {
    methodConfig: [
      {
        name: [method],
        retryPolicy: {
          maxAttempts,
          initialBackoff: `${initialBackoffMs / 1000}s`,
          maxBackoff: `${maxBackoffMs / 1000}s`,
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
    retryThrottling: { maxTokens: budgetMaxTokens, tokenRatio: budgetTokenRatio },
  };
}
