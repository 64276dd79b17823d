import { status } from '@grpc/grpc-js';
import { downstreamDeadline, InvalidArgumentError, isStatus, NotFoundError, UnavailableError } from '@demo/platform';
import type { Recommendation, RecommendationDependency, User, UserDependency } from './dependencies.js';
import { fallbackRecommendations } from './fallback.js';

export const defaultRecommendationLimit = 5;
export const maxRecommendationLimit = 50;

export interface UserHome {
  user: User;
  recommendations: Recommendation[];
  degraded: boolean;
  degradations: { dependency: string; reason: string }[];
  servedBy: Record<string, string>;
}

export interface UserHomeOptions {
  users: UserDependency;
  recommendations: RecommendationDependency;
  userTimeoutMs: number;
  recommendationTimeoutMs: number;
  deadlineMarginMs: number;
}

/**
 * Builds a user's home page from two services called concurrently. The user
 * is required: without it there is no page. Recommendations are optional:
 * when they fail the page still goes out, marked degraded, with a fallback.
 */
export class UserHomeAssembler {
  readonly #options: UserHomeOptions;

  constructor(options: UserHomeOptions) {
    this.#options = options;
  }

  async getUserHome(
    request: { userId: string; recommendationLimit: number },
    caller: { deadline: Date | undefined; signal: AbortSignal },
  ): Promise<UserHome> {
    const userId = parseUserId(request.userId);
    const limit = resolveLimit(request.recommendationLimit);
    const { users, recommendations, deadlineMarginMs } = this.#options;

    // Aborting `siblings` cancels whatever call is still running once the
    // required one has failed; the caller going away cancels both.
    const siblings = new AbortController();
    const signal = AbortSignal.any([caller.signal, siblings.signal]);
    const scope = (timeoutMs: number) => ({
      deadline: downstreamDeadline({ timeoutMs, callerDeadline: caller.deadline, marginMs: deadlineMarginMs }),
      signal,
    });

    const userCall = users.getUser(userId, scope(this.#options.userTimeoutMs));
    const recommendationCall = recommendations
      .getRecommendations(userId, limit, scope(this.#options.recommendationTimeoutMs))
      .then(
        (answer) => ({ ok: true as const, answer }),
        (error: unknown) => ({ ok: false as const, error }),
      );

    let user: Awaited<typeof userCall>;
    try {
      user = await userCall;
    } catch (error) {
      siblings.abort(new DOMException('the required user call failed', 'AbortError'));
      throw userFailure(error, userId, caller.signal);
    }

    const result = await recommendationCall;
    const servedBy: Record<string, string> = {};
    if (user.servedBy) servedBy['user'] = user.servedBy;
    if (result.ok) {
      if (result.answer.servedBy) servedBy['recommendation'] = result.answer.servedBy;
      return { user: user.value, recommendations: result.answer.value, degraded: false, degradations: [], servedBy };
    }
    return {
      user: user.value,
      recommendations: fallbackRecommendations(limit),
      degraded: true,
      degradations: [{ dependency: 'recommendation', reason: describeFailure(result.error) }],
      servedBy,
    };
  }
}

function userFailure(error: unknown, userId: string, callerSignal: AbortSignal): Error {
  if (callerSignal.aborted) return new DOMException('the caller cancelled', 'AbortError');
  if (isStatus(error, status.NOT_FOUND)) return new NotFoundError(`user ${userId} not found`);
  return new UnavailableError(`user service cannot answer (${describeFailure(error)})`, { cause: error });
}

/** "DEADLINE_EXCEEDED: Deadline exceeded after 0.301s", for people reading degradations. */
export function describeFailure(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number') {
    const { code, details } = error as { code: number; details?: string };
    return `${status[code] ?? code}: ${details ?? ''}`.trim();
  }
  return error instanceof Error ? error.message : String(error);
}

function parseUserId(userId: string): string {
  if (!/^\d{1,19}$/.test(userId) || BigInt(userId) <= 0n) {
    throw new InvalidArgumentError('user_id must be a positive integer');
  }
  return userId;
}

function resolveLimit(limit: number): number {
  if (limit === 0) return defaultRecommendationLimit;
  if (!Number.isInteger(limit) || limit < 0 || limit > maxRecommendationLimit) {
    throw new InvalidArgumentError(
      `recommendation_limit must be between 0 (the default, ${defaultRecommendationLimit}) and ${maxRecommendationLimit}`,
    );
  }
  return limit;
}
