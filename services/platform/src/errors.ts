import { status } from '@grpc/grpc-js';

/**
 * Domain errors: the plain core throws these, and the transport maps them to
 * gRPC status codes here, in one place.
 */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
export class InvalidArgumentError extends Error {
  override name = 'InvalidArgumentError';
}
export class AlreadyExistsError extends Error {
  override name = 'AlreadyExistsError';
}
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}
export class PermissionDeniedError extends Error {
  override name = 'PermissionDeniedError';
}

/**
 * A change that did not take everywhere it had to (a replica held a newer
 * one, or refused it): nothing to retry blindly; read the state, then decide.
 */
export class AbortedError extends Error {
  override name = 'AbortedError';
}

/** A position past the end of what exists (a resume point after the newest item): valid, but not yet. */
export class OutOfRangeError extends Error {
  override name = 'OutOfRangeError';
}

/** The caller's deadline leaves no time for the work: say so, rather than UNAVAILABLE, which invites a retry. */
export class DeadlineExceededError extends Error {
  override name = 'DeadlineExceededError';
}

const domainCodes: [new (message: string) => Error, status][] = [
  [NotFoundError, status.NOT_FOUND],
  [InvalidArgumentError, status.INVALID_ARGUMENT],
  [AlreadyExistsError, status.ALREADY_EXISTS],
  [UnavailableError, status.UNAVAILABLE],
  [PermissionDeniedError, status.PERMISSION_DENIED],
  [DeadlineExceededError, status.DEADLINE_EXCEEDED],
  [OutOfRangeError, status.OUT_OF_RANGE],
  [AbortedError, status.ABORTED],
];

/**
 * The status a failed handler sends. Unknown errors become INTERNAL with a
 * generic message: the stack goes to the log, never to the caller.
 */
export function toStatus(error: unknown): { code: status; details: string; expected: boolean } {
  for (const [type, code] of domainCodes) {
    if (error instanceof type) return { code, details: error.message, expected: true };
  }
  // The reasons a call's AbortSignal gives (see handlers.ts): its deadline passed, or it was cancelled.
  if (error instanceof Error && error.name === 'TimeoutError') {
    return { code: status.DEADLINE_EXCEEDED, details: 'deadline exceeded', expected: true };
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return { code: status.CANCELLED, details: 'call cancelled', expected: true };
  }
  return { code: status.INTERNAL, details: 'internal error', expected: false };
}
