import { status } from '@grpc/grpc-js';
import { downstreamDeadline, InvalidArgumentError, isStatus, NotFoundError, UnavailableError } from '@demo/platform';
import type { Recommendation, RecommendationDependency, User, UserDependency } from './dependencies.js';
import { fallbackRecommendations } from './fallback.js';
import { describeFailure } from './resilience/failures.js';
import type { DependencyName } from './resilience/settings.js';

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
  /** Each call's own timeout, while timeouts are on. */
  timeoutMs: Record<DependencyName, number>;
  deadlineMarginMs: number;
  /**
   * The switches in force for the next call. Timeouts off: each call gets the
   * caller's deadline as it is. Fallback off: a recommendation failure fails
   * the whole answer instead of degrading it.
   */
  defenses: () => { timeouts: boolean; fallback: boolean };
  /** Told about every degraded answer, for metrics. */
  onDegraded?: (dependency: DependencyName, reason: string) => void;
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

    // Aborting `siblings` cancels whatever call is still running once the
    // required one has failed; the caller going away cancels both.
    const siblings = new AbortController();
    const signal = siblings.signal;
    const onCallerAbort = () => siblings.abort(caller.signal.reason);
    if (caller.signal.aborted) onCallerAbort();
    else caller.signal.addEventListener('abort', onCallerAbort, { once: true });
    try {
      return await this.#assemble(userId, limit, caller, signal, siblings);
    } finally {
      caller.signal.removeEventListener('abort', onCallerAbort);
    }
  }

  async #assemble(
    userId: string,
    limit: number,
    caller: { deadline: Date | undefined; signal: AbortSignal },
    signal: AbortSignal,
    siblings: AbortController,
  ): Promise<UserHome> {
    const { users, recommendations, deadlineMarginMs, timeoutMs } = this.#options;
    const defenses = this.#options.defenses();
    const scope = (dependency: DependencyName) => ({
      deadline: defenses.timeouts
        ? downstreamDeadline({
            timeoutMs: timeoutMs[dependency],
            callerDeadline: caller.deadline,
            marginMs: deadlineMarginMs,
          })
        : caller.deadline,
      signal,
    });

    const userCall = users.getUser(userId, scope('user'));
    const recommendationCall = recommendations.getRecommendations(userId, limit, scope('recommendation')).then(
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
    if (caller.signal.aborted) throw new DOMException('the caller cancelled', 'AbortError');
    const reason = describeFailure(result.error);
    if (!defenses.fallback) {
      throw new UnavailableError(`recommendation service cannot answer (${reason}) and fallback is off`);
    }
    this.#options.onDegraded?.('recommendation', reason);
    return {
      user: user.value,
      recommendations: fallbackRecommendations(limit),
      degraded: true,
      degradations: [{ dependency: 'recommendation', reason }],
      servedBy,
    };
  }
}

function userFailure(error: unknown, userId: string, callerSignal: AbortSignal): Error {
  if (callerSignal.aborted) return new DOMException('the caller cancelled', 'AbortError');
  if (isStatus(error, status.NOT_FOUND)) return new NotFoundError(`user ${userId} not found`);
  return new UnavailableError(`user service cannot answer (${describeFailure(error)})`, { cause: error });
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
