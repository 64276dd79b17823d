import { status } from '@grpc/grpc-js';
import { isBrokenCircuitError, isBulkheadRejectedError, isIsolatedCircuitError, isTaskCancelledError } from 'cockatiel';
import { DeadlineExceededError, NotFoundError, UnavailableError } from '@demo/platform';
import type { CallScope } from './deadlines.js';
import type { DependencyName } from './settings.js';

/**
 * Every way a call to a dependency can fail, as the aggregator sees it. This
 * one classification decides what counts against the circuit breaker, the
 * `outcome` label of aggregator_dependency_calls_total, the reason in a
 * Degradation, and the status the front door answers when the dependency
 * was required. A fixed set, so no label or reason is ever cut out of an
 * error's message.
 */
export type FailureKind =
  /** No answer within the call's own timeout. */
  | 'deadline_exceeded'
  /** Unreachable, or it said it cannot serve (UNAVAILABLE, RESOURCE_EXHAUSTED). */
  | 'unavailable'
  /** It answered with an error of its own (INTERNAL, UNKNOWN, ...), or an answer we cannot use. */
  | 'error'
  /** It answered that there is no such thing. */
  | 'not_found'
  /** It refused the request itself (INVALID_ARGUMENT, PERMISSION_DENIED, ...): our mistake, not its trouble. */
  | 'rejected'
  /** The caller's deadline (less the margin) came first: the caller's impatience, not the dependency's fault. */
  | 'caller_deadline'
  /** We cancelled it: the caller went away, or a required sibling call failed. */
  | 'cancelled'
  /** Our circuit breaker refused it without calling. */
  | 'circuit_open'
  /** Our bulkhead (and its queue) was full: refused without calling. */
  | 'bulkhead_full';

interface KindFacts {
  /** The dependency itself is in trouble: counts against its circuit breaker. */
  dependencyAtFault: boolean;
  /** The outcome says something about the dependency's health (it answered, or failed to in its own time). */
  verdict: boolean;
  /** A fixed code and sentence, for the Degradation and the logs. */
  reason: string;
  /** What the front door answers when a required dependency fails this way. */
  whenRequired: (about: { dependency: DependencyName; subject: string; reason: string }) => Error;
}

const cannotAnswer = ({ dependency, reason }: { dependency: DependencyName; reason: string }) =>
  new UnavailableError(`${dependency} service cannot answer (${reason})`);

export const failureKinds: Readonly<Record<FailureKind, KindFacts>> = {
  deadline_exceeded: {
    dependencyAtFault: true,
    verdict: true,
    reason: 'DEADLINE_EXCEEDED: no answer within its own timeout',
    whenRequired: cannotAnswer,
  },
  unavailable: {
    dependencyAtFault: true,
    verdict: true,
    reason: 'UNAVAILABLE: unreachable, or it cannot serve now',
    whenRequired: cannotAnswer,
  },
  error: {
    dependencyAtFault: true,
    verdict: true,
    reason: 'ERROR: it answered with an error',
    whenRequired: cannotAnswer,
  },
  not_found: {
    dependencyAtFault: false,
    verdict: true,
    reason: 'NOT_FOUND: it has no such record',
    whenRequired: ({ subject }) => new NotFoundError(`${subject} not found`),
  },
  rejected: {
    dependencyAtFault: false,
    verdict: true,
    reason: 'REJECTED: it refused the request',
    whenRequired: cannotAnswer,
  },
  caller_deadline: {
    dependencyAtFault: false,
    verdict: false,
    reason: "CALLER_DEADLINE: the caller's deadline came first",
    whenRequired: ({ dependency }) =>
      new DeadlineExceededError(`the deadline passed before the ${dependency} service answered`),
  },
  cancelled: {
    dependencyAtFault: false,
    verdict: false,
    reason: 'CANCELLED: the call was cancelled',
    whenRequired: () => new DOMException('the call was cancelled', 'AbortError'),
  },
  circuit_open: {
    dependencyAtFault: false,
    verdict: false,
    reason: 'CIRCUIT_OPEN: circuit breaker is open',
    whenRequired: cannotAnswer,
  },
  bulkhead_full: {
    dependencyAtFault: false,
    verdict: false,
    reason: 'BULKHEAD_FULL: too many calls in flight',
    whenRequired: cannotAnswer,
  },
};

/** A failed dependency call, classified; the original error is its cause. */
export class DependencyFailure extends Error {
  override name = 'DependencyFailure';
  readonly dependency: DependencyName;
  readonly kind: FailureKind;
  /** Set by the guard: whether its circuit breaker counts this failure. */
  readonly countsAgainstBreaker: boolean;

  constructor(
    dependency: DependencyName,
    kind: FailureKind,
    options: { cause?: unknown; countsAgainstBreaker?: boolean } = {},
  ) {
    super(`${dependency}: ${failureKinds[kind].reason}`, { cause: options.cause });
    this.dependency = dependency;
    this.kind = kind;
    this.countsAgainstBreaker = options.countsAgainstBreaker ?? failureKinds[kind].dependencyAtFault;
  }

  get reason(): string {
    return failureKinds[this.kind].reason;
  }
}

const rejectedCodes = new Set<number>([
  status.INVALID_ARGUMENT,
  status.FAILED_PRECONDITION,
  status.OUT_OF_RANGE,
  status.ALREADY_EXISTS,
  status.PERMISSION_DENIED,
  status.UNAUTHENTICATED,
  status.ABORTED,
]);

/** Which kind of failure `error` is, for a call made within `scope`. */
export function classify(error: unknown, scope: Pick<CallScope, 'deadlineSetBy' | 'signal'>): FailureKind {
  if (error instanceof DependencyFailure) return error.kind;
  if (isBrokenCircuitError(error) || isIsolatedCircuitError(error)) return 'circuit_open';
  if (isBulkheadRejectedError(error)) return 'bulkhead_full';
  const outOfTime = scope.deadlineSetBy === 'caller' ? 'caller_deadline' : 'deadline_exceeded';
  if (error instanceof DeadlineWhileQueuedError) return outOfTime;
  if (isTaskCancelledError(error)) return 'cancelled';
  const code = grpcCode(error);
  if (code === status.CANCELLED) return scope.signal.aborted ? 'cancelled' : 'error';
  if (code === status.DEADLINE_EXCEEDED) return outOfTime;
  if (code === status.UNAVAILABLE || code === status.RESOURCE_EXHAUSTED) return 'unavailable';
  if (code === status.NOT_FOUND) return 'not_found';
  if (code !== undefined && rejectedCodes.has(code)) return 'rejected';
  return 'error';
}

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The call's deadline passed while it waited for a bulkhead slot. */
export class DeadlineWhileQueuedError extends Error {
  override name = 'DeadlineWhileQueuedError';
}
