import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineExceededError, InvalidArgumentError, NotFoundError, UnavailableError } from '@demo/platform';
import type { RecommendationDependency, User, UserDependency } from '../src/dependencies.js';
import { UserHomeAssembler, type UserHomeOptions } from '../src/home.js';
import type { CallScope } from '../src/resilience/deadlines.js';
import { DependencyFailure, type FailureKind } from '../src/resilience/failures.js';
import { untilCancelled } from './fakes.js';

const ada: User = {
  id: '1',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  status: 'USER_STATUS_ACTIVE',
  createTime: null,
};
const picks = [{ productId: 'kit-001', title: 'Cast-Iron Skillet', score: 0.9 }];

/** Fake dependencies that record the scope of every call and answer as told. */
function fakes(behaviour: {
  user?: (scope: CallScope) => Promise<User>;
  recommendations?: (scope: CallScope) => Promise<typeof picks>;
}) {
  const scopes: Partial<Record<'user' | 'recommendation', CallScope>> = {};
  const users: UserDependency = {
    async getUser(_id, scope) {
      scopes.user = scope;
      return { value: await (behaviour.user ?? (() => Promise.resolve(ada)))(scope), servedBy: 'user-a' };
    },
  };
  const recommendations: RecommendationDependency = {
    async getRecommendations(_userId, _limit, scope) {
      scopes.recommendation = scope;
      const value = await (behaviour.recommendations ?? (() => Promise.resolve(picks)))(scope);
      return { value, servedBy: 'recommendation-a' };
    },
  };
  return { users, recommendations, scopes };
}

function assembler(
  deps: ReturnType<typeof fakes>,
  options: Partial<UserHomeOptions> & { fallback?: boolean; timeouts?: boolean } = {},
) {
  const { fallback = true, timeouts = true, ...rest } = options;
  return new UserHomeAssembler({
    users: deps.users,
    recommendations: deps.recommendations,
    timeoutMs: { user: 1000, recommendation: 300 },
    deadlineMarginMs: 20,
    defenses: { current: { timeouts, fallback } },
    ...rest,
  });
}

const failing = (dependency: 'user' | 'recommendation', kind: FailureKind) => () =>
  Promise.reject(new DependencyFailure(dependency, kind));
const caller = (deadlineInMs = 5000, signal = new AbortController().signal) => ({
  deadline: new Date(Date.now() + deadlineInMs),
  signal,
});

test('both answers make the home page, with the replicas that served them', async () => {
  const home = await assembler(fakes({})).getUserHome({ userId: '1', recommendationLimit: 1 }, caller());
  assert.deepEqual(home, {
    user: ada,
    recommendations: picks,
    degraded: false,
    degradations: [],
    servedBy: { user: 'user-a', recommendation: 'recommendation-a' },
  });
});

test('when the required user call fails, the recommendation call still running is cancelled', async () => {
  const deps = fakes({ user: failing('user', 'unavailable'), recommendations: untilCancelled });
  await assert.rejects(
    assembler(deps).getUserHome({ userId: '1', recommendationLimit: 0 }, caller()),
    UnavailableError,
  );
  assert.equal(deps.scopes.recommendation?.signal.aborted, true);
});

test('a failing recommendation call degrades the answer: the fallback list and a fixed reason', async () => {
  const degradedBy: FailureKind[] = [];
  const deps = fakes({ recommendations: failing('recommendation', 'deadline_exceeded') });
  const home = await assembler(deps, { onDegraded: (_dependency, kind) => degradedBy.push(kind) }).getUserHome(
    { userId: '1', recommendationLimit: 3 },
    caller(),
  );
  assert.equal(home.user, ada);
  assert.equal(home.degraded, true);
  assert.equal(home.recommendations.length, 3, 'the fallback, cut to the limit');
  assert.deepEqual(home.degradations, [
    { dependency: 'recommendation', reason: 'DEADLINE_EXCEEDED: no answer within its own timeout' },
  ]);
  assert.deepEqual(home.servedBy, { user: 'user-a' });
  assert.deepEqual(degradedBy, ['deadline_exceeded']);
});

test('with the fallback off, a failing recommendation call fails the answer UNAVAILABLE', async () => {
  const deps = fakes({ recommendations: failing('recommendation', 'error') });
  await assert.rejects(
    assembler(deps, { fallback: false }).getUserHome({ userId: '1', recommendationLimit: 0 }, caller()),
    UnavailableError,
  );
});

test('a user the user service does not have is NOT_FOUND', async () => {
  const deps = fakes({ user: failing('user', 'not_found') });
  await assert.rejects(assembler(deps).getUserHome({ userId: '42', recommendationLimit: 0 }, caller()), {
    name: NotFoundError.name,
    message: 'user 42 not found',
  });
});

test('the caller going away cancels both calls, and the answer is a cancellation', async () => {
  const controller = new AbortController();
  const deps = fakes({ user: untilCancelled, recommendations: untilCancelled });
  const pending = assembler(deps).getUserHome({ userId: '1', recommendationLimit: 0 }, caller(5000, controller.signal));
  controller.abort();
  await assert.rejects(pending, { name: 'AbortError' });
  assert.equal(deps.scopes.user?.signal.aborted, true);
  assert.equal(deps.scopes.recommendation?.signal.aborted, true);
});

test('a caller whose deadline leaves less than the margin gets DEADLINE_EXCEEDED, and nobody is called', async () => {
  const deps = fakes({});
  await assert.rejects(
    assembler(deps).getUserHome({ userId: '1', recommendationLimit: 0 }, caller(15)),
    DeadlineExceededError,
  );
  assert.deepEqual(deps.scopes, {});
});

test("a user call cut short by the caller's deadline is DEADLINE_EXCEEDED, not UNAVAILABLE", async () => {
  const deps = fakes({ user: failing('user', 'caller_deadline') });
  await assert.rejects(
    assembler(deps).getUserHome({ userId: '1', recommendationLimit: 0 }, caller()),
    DeadlineExceededError,
  );
});

test("each call gets its own timeout, or the caller's deadline less the margin when that comes first", async () => {
  const roomy = fakes({});
  const before = Date.now();
  await assembler(roomy).getUserHome({ userId: '1', recommendationLimit: 0 }, caller(5000));
  const { user, recommendation } = roomy.scopes;
  assert.ok(user?.deadline && recommendation);
  const userBudget = user.deadline.getTime() - before;
  assert.equal(user.deadlineSetBy, 'own_timeout');
  assert.equal(recommendation.deadlineSetBy, 'own_timeout');
  assert.ok(userBudget >= 1000 && userBudget < 1100, `the user call gets its 1000 ms (${userBudget})`);

  const tight = fakes({});
  const deadline = caller(200);
  await assembler(tight).getUserHome({ userId: '1', recommendationLimit: 0 }, deadline);
  assert.equal(tight.scopes.user?.deadline?.getTime(), deadline.deadline.getTime() - 20);
  assert.equal(tight.scopes.user.deadlineSetBy, 'caller');
  assert.equal(tight.scopes.recommendation?.deadlineSetBy, 'caller');
});

test('a bad user id or recommendation limit is INVALID_ARGUMENT, checked before anyone is called', async () => {
  const deps = fakes({});
  for (const request of [
    { userId: '0', recommendationLimit: 0 },
    { userId: 'abc', recommendationLimit: 0 },
    { userId: '1', recommendationLimit: 51 },
    { userId: '1', recommendationLimit: -1 },
  ]) {
    await assert.rejects(assembler(deps).getUserHome(request, caller()), InvalidArgumentError, JSON.stringify(request));
  }
  assert.deepEqual(deps.scopes, {});
});
