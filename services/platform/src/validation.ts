import { InvalidArgumentError } from './errors.js';

// The request fields more than one service takes, checked one way
// everywhere: the aggregator checks GetUserHome's before it calls anyone,
// and the recommendation service the same rules for its own requests.

/** A user id as proto-loader hands an int64 over: a positive decimal. */
export function parseUserId(userId: string, field = 'user_id'): bigint {
  const id = /^\d{1,19}$/.test(userId) ? BigInt(userId) : 0n;
  if (id <= 0n || id >= 2n ** 63n) throw new InvalidArgumentError(`${field} must be a positive integer`);
  return id;
}

/** How many recommendations a request may ask for; 0 asks for the default. */
export const recommendationLimit = { default: 5, max: 50 } as const;

export function resolveRecommendationLimit(limit: number, field = 'limit'): number {
  if (limit === 0) return recommendationLimit.default;
  if (!Number.isInteger(limit) || limit < 0 || limit > recommendationLimit.max) {
    throw new InvalidArgumentError(
      `${field} must be between 0 (the default, ${recommendationLimit.default}) and ${recommendationLimit.max}`,
    );
  }
  return limit;
}
