import { unaryCall } from '@demo/platform';
import type { RecommendationServiceClient } from '@demo/platform/generated/demo/recommendation/v1/RecommendationService.js';
import type { User__Output } from '@demo/platform/generated/demo/user/v1/User.js';
import type { UserServiceClient } from '@demo/platform/generated/demo/user/v1/UserService.js';
import type { DependencyGuard } from './resilience/dependency-guard.js';

export type User = User__Output;

export interface Recommendation {
  productId: string;
  title: string;
  score: number;
}

/** The bounds of one downstream call: when to give up, and the caller's cancellation. */
export interface CallScope {
  /** undefined only when timeouts are switched off and the caller set no deadline. */
  deadline: Date | undefined;
  signal: AbortSignal;
}

export interface Answer<Value> {
  value: Value;
  /** The replica that answered. */
  servedBy: string | undefined;
}

/**
 * The aggregator's view of its dependencies. The core (home.ts) sees only
 * these interfaces; the gRPC clients below implement them, each call passing
 * through its dependency's guard (circuit breaker and bulkhead).
 */
export interface UserDependency {
  getUser(id: string, scope: CallScope): Promise<Answer<User>>;
}

export interface RecommendationDependency {
  getRecommendations(userId: string, limit: number, scope: CallScope): Promise<Answer<Recommendation[]>>;
}

/**
 * The client for the next call: grpc-js sets retries per channel, so each
 * dependency has a channel with its retry policy and one without, and the
 * retry switch picks between them.
 */
export type ClientChoice<Client> = () => Client;

export function userDependency(client: ClientChoice<UserServiceClient>, guard: DependencyGuard): UserDependency {
  return {
    async getUser(id, scope) {
      const { response, servedBy } = await guard.execute(scope, (bounds) =>
        unaryCall<{ user: User | null }>(
          (metadata, options, callback) => client().getUser({ id }, metadata, options, callback),
          bounds,
        ),
      );
      if (!response.user) throw new Error('user service answered without a user');
      return { value: response.user, servedBy };
    },
  };
}

export function recommendationDependency(
  client: ClientChoice<RecommendationServiceClient>,
  guard: DependencyGuard,
): RecommendationDependency {
  return {
    async getRecommendations(userId, limit, scope) {
      const { response, servedBy } = await guard.execute(scope, (bounds) =>
        unaryCall<{ recommendations: Recommendation[] }>(
          (metadata, options, callback) => client().getRecommendations({ userId, limit }, metadata, options, callback),
          bounds,
        ),
      );
      return { value: response.recommendations, servedBy };
    },
  };
}
