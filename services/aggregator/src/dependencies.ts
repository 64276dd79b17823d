import type * as grpc from '@grpc/grpc-js';
import { createClient, unaryCall, type ClientConstructor, type GrpcClientMetrics } from '@demo/platform';
import type { Recommendation__Output } from '@demo/platform/generated/demo/recommendation/v1/Recommendation.js';
import type { GetRecommendationsResponse__Output } from '@demo/platform/generated/demo/recommendation/v1/GetRecommendationsResponse.js';
import type { RecommendationServiceClient } from '@demo/platform/generated/demo/recommendation/v1/RecommendationService.js';
import type { GetUserResponse__Output } from '@demo/platform/generated/demo/user/v1/GetUserResponse.js';
import type { User__Output } from '@demo/platform/generated/demo/user/v1/User.js';
import type { UserServiceClient } from '@demo/platform/generated/demo/user/v1/UserService.js';
import type { CallScope } from './resilience/deadlines.js';
import type { DependencyGuard } from './resilience/dependency-guard.js';
import { DependencyFailure } from './resilience/failures.js';
import { retryServiceConfig } from './resilience/retry.js';
import type { ResilienceSettings } from './resilience/settings.js';

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
 * channel the retry switch picks (RetryChannels). A failed call rejects with a
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

/**
 * The channels of one dependency. grpc-js sets retries per channel (its
 * service config), so there are two, one with the retry policy for
 * `method` and one without, and the retry switch picks between them for
 * each call.
 */
export class RetryChannels<Client extends grpc.Client> {
  readonly #withRetries: Client;
  readonly #withoutRetries: Client;
  readonly #switches: { readonly current: { retries: boolean } };

  constructor(
    Constructor: ClientConstructor<Client>,
    target: string,
    options: {
      /** The method the retry policy covers: the idempotent read the aggregator makes. */
      method: { service: string; method: string };
      settings: ResilienceSettings;
      metrics: GrpcClientMetrics;
      /** The defense switches in force (DefenseState). */
      switches: { readonly current: { retries: boolean } };
    },
  ) {
    const { method, settings, metrics } = options;
    this.#withRetries = createClient(Constructor, target, {
      serviceConfig: retryServiceConfig(method, settings),
      metrics,
    });
    this.#withoutRetries = createClient(Constructor, target, { metrics });
    this.#switches = options.switches;
  }

  /** The channel for the next call, as the retry switch says now. */
  pick(): Client {
    return this.#switches.current.retries ? this.#withRetries : this.#withoutRetries;
  }

  get clients(): Client[] {
    return [this.#withRetries, this.#withoutRetries];
  }

  close(): void {
    for (const client of this.clients) client.close();
  }
}

/**
 * Waits until each client's channel is connected (grpc-js Client.waitForReady,
 * which also starts the connecting), for at most `timeoutMs`; resolves with
 * how many were still not connected then. 0 waits for nothing.
 */
export async function untilConnected(clients: readonly grpc.Client[], timeoutMs: number): Promise<number> {
  if (timeoutMs <= 0) return 0;
  const deadline = Date.now() + timeoutMs;
  const results = await Promise.all(
    clients.map(
      (client) =>
        new Promise<boolean>((resolve) => {
          client.waitForReady(deadline, (error?: Error) => resolve(!error));
        }),
    ),
  );
  return results.filter((connected) => !connected).length;
}

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
