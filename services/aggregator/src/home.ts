import {
  callDeadline,
  DeadlineExceededError,
  parseUserId,
  resolveRecommendationLimit,
  UnavailableError,
} from '@demo/platform';
import type { Degradation__Output } from '@demo/platform/generated/demo/aggregator/v1/Degradation.js';
import type { Recommendation, RecommendationDependency, User, UserDependency } from './dependencies.js';
import { fallbackRecommendations } from './fallback.js';
import type { CallScope } from './resilience/deadlines.js';
import { classify, failureKinds, type FailureKind } from './resilience/failures.js';
import type { DependencyName } from './resilience/settings.js';

export interface UserHome {
  user: User;
  recommendations: Recommendation[];
  degraded: boolean;
  degradations: Degradation__Output[];
  servedBy: Record<string, string>;
}

export interface UserHomeOptions {
  users: UserDependency;
  recommendations: RecommendationDependency;
  /** Each call's own timeout, while timeouts are on. */
  timeoutMs: Record<DependencyName, number>;
  deadlineMarginMs: number;
  /**
   * The switches in force for the next call (DefenseService changes them at
   * run time). Timeouts off: each call gets the caller's deadline as it is.
   * Fallback off: a recommendation failure fails the whole answer instead of
   * degrading it.
   */
  defenses: { readonly current: { timeouts: boolean; fallback: boolean } };
  /** Told about every degraded answer, for metrics (fallback.ts's fallbackRecorder). */
  onDegraded?: (dependency: DependencyName, kind: FailureKind) => void;
}

/** The caller of one GetUserHome: its deadline and its cancellation. */
export interface Caller {
  deadline: Date | undefined;
  signal: AbortSignal;
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

  async getUserHome(request: { userId: string; recommendationLimit: number }, caller: Caller): Promise<UserHome> {
    const userId = parseUserId(request.userId).toString();
    const limit = resolveRecommendationLimit(request.recommendationLimit, 'recommendation_limit');
    const defenses = this.#options.defenses.current;
    const userDeadline = this.#deadline('user', caller, defenses.timeouts);
    const recommendationDeadline = this.#deadline('recommendation', caller, defenses.timeouts);
    // Less than the margin left: nobody could answer in time, so nobody is asked.
    if (userDeadline === 'spent' || recommendationDeadline === 'spent') {
      throw new DeadlineExceededError("the caller's deadline leaves no time to call the services");
    }

    // Aborting `siblings` cancels whatever call is still running once the
    // required one has failed; the caller going away cancels both.
    const siblings = new AbortController();
    const onCallerAbort = () => siblings.abort(caller.signal.reason);
    if (caller.signal.aborted) onCallerAbort();
    else caller.signal.addEventListener('abort', onCallerAbort, { once: true });
    try {
      return await this.#assemble(
        userId,
        limit,
        caller,
        {
          user: { ...userDeadline, signal: siblings.signal },
          recommendation: { ...recommendationDeadline, signal: siblings.signal },
        },
        siblings,
        defenses.fallback,
      );
    } finally {
      caller.signal.removeEventListener('abort', onCallerAbort);
    }
  }

  #deadline(dependency: DependencyName, caller: Caller, timeouts: boolean) {
    const { timeoutMs, deadlineMarginMs } = this.#options;
    if (!timeouts)
      return { deadline: caller.deadline, deadlineSetBy: caller.deadline ? ('caller' as const) : undefined };
    return callDeadline({
      timeoutMs: timeoutMs[dependency],
      callerDeadline: caller.deadline,
      marginMs: deadlineMarginMs,
    });
  }

  async #assemble(
    userId: string,
    limit: number,
    caller: Caller,
    scopes: Record<DependencyName, CallScope>,
    siblings: AbortController,
    fallback: boolean,
  ): Promise<UserHome> {
    const { users, recommendations } = this.#options;
    const userCall = users.getUser(userId, scopes.user);
    const recommendationCall = recommendations.getRecommendations(userId, limit, scopes.recommendation).then(
      (answer) => ({ ok: true as const, answer }),
      (error: unknown) => ({ ok: false as const, error }),
    );

    let user: Awaited<typeof userCall>;
    try {
      user = await userCall;
    } catch (error) {
      siblings.abort(new DOMException('the required user call failed', 'AbortError'));
      if (caller.signal.aborted) throw new DOMException('the caller cancelled', 'AbortError');
      const kind = classify(error, scopes.user);
      throw failureKinds[kind].whenRequired({
        dependency: 'user',
        subject: `user ${userId}`,
        reason: failureKinds[kind].reason,
      });
    }

    const result = await recommendationCall;
    const servedBy: Record<string, string> = {};
    if (user.servedBy) servedBy['user'] = user.servedBy;
    if (result.ok) {
      if (result.answer.servedBy) servedBy['recommendation'] = result.answer.servedBy;
      return { user: user.value, recommendations: result.answer.value, degraded: false, degradations: [], servedBy };
    }
    if (caller.signal.aborted) throw new DOMException('the caller cancelled', 'AbortError');
    const kind = classify(result.error, scopes.recommendation);
    const { reason } = failureKinds[kind];
    if (!fallback) {
      throw new UnavailableError(`recommendation service cannot answer (${reason}) and fallback is off`);
    }
    this.#options.onDegraded?.('recommendation', kind);
    return {
      user: user.value,
      recommendations: fallbackRecommendations(limit),
      degraded: true,
      degradations: [{ dependency: 'recommendation', reason }],
      servedBy,
    };
  }
}
