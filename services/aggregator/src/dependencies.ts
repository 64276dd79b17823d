import { unaryCall } from '@demo/platform';
import type { Recommendation__Output } from '@demo/platform/generated/demo/recommendation/v1/Recommendation.js';
import type { GetRecommendationsResponse__Output } from '@demo/platform/generated/demo/recommendation/v1/GetRecommendationsResponse.js';
import type { RecommendationServiceClient } from '@demo/platform/generated/demo/recommendation/v1/RecommendationService.js';
import type { GetUserResponse__Output } from '@demo/platform/generated/demo/user/v1/GetUserResponse.js';
import type { User__Output } from '@demo/platform/generated/demo/user/v1/User.js';
import type { UserServiceClient } from '@demo/platform/generated/demo/user/v1/UserService.js';
import type { RetryChannels } from './channels.js';
import type { CallScope } from './resilience/deadlines.js';
import type { DependencyGuard } from './resilience/dependency-guard.js';
import { DependencyFailure } from './resilience/failures.js';

export type User = User__Output;
export type Recommendation = Recommendation__Output;

export interface Answer<Value> {
  value: Value;
  /** The replica that answered. */
  servedBy: string | undefined;
}

/**
 * The aggregator's view of its dependencies. The core (home.ts) sees only
 * these interfaces; the gRPC clients below implement them, each call passing
 * through its dependency's guard (circuit breaker and bulkhead) on the
 * channel the retry switch picks (channels.ts). A failed call rejects with a
 * DependencyFailure, classified.
 */
export interface UserDependency {
  getUser(id: string, scope: CallScope): Promise<Answer<User>>;
}

export interface RecommendationDependency {
  getRecommendations(userId: string, limit: number, scope: CallScope): Promise<Answer<Recommendation[]>>;
}

/** The methods the aggregator calls, the ones its retry policy covers (retry.ts). */
export const userMethod = { service: 'demo.user.v1.UserService', method: 'GetUser' };
export const recommendationMethod = {
  service: 'demo.recommendation.v1.RecommendationService',
  method: 'GetRecommendations',
};

export function userDependency(channels: RetryChannels<UserServiceClient>, guard: DependencyGuard): UserDependency {
  return {
    async getUser(id, scope) {
      const { response, servedBy } = await guard.execute(scope, (bounds) =>
        unaryCall<GetUserResponse__Output>(
          (metadata, options, callback) => channels.pick().getUser({ id }, metadata, options, callback),
          bounds,
        ),
      );
      if (!response.user) throw new DependencyFailure('user', 'error', { cause: 'an answer without a user' });
      return { value: response.user, servedBy };
    },
  };
}

export function recommendationDependency(
  channels: RetryChannels<RecommendationServiceClient>,
  guard: DependencyGuard,
): RecommendationDependency {
  return {
    async getRecommendations(userId, limit, scope) {
      const { response, servedBy } = await guard.execute(scope, (bounds) =>
        unaryCall<GetRecommendationsResponse__Output>(
          (metadata, options, callback) =>
            channels.pick().getRecommendations({ userId, limit }, metadata, options, callback),
          bounds,
        ),
      );
      return { value: response.recommendations, servedBy };
    },
  };
}
