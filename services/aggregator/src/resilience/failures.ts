import { status } from '@grpc/grpc-js';
import { isBrokenCircuitError, isBulkheadRejectedError, isIsolatedCircuitError, isTaskCancelledError } from 'cockatiel';

/**
 * Errors that say the dependency is in trouble, and so count against its
 * circuit breaker. A caller's mistake (NOT_FOUND, INVALID_ARGUMENT), our own
 * cancellation and our own bulkhead saying no do not.
 */
const troubleCodes = new Set<number>([
  status.DEADLINE_EXCEEDED,
  status.UNAVAILABLE,
  status.INTERNAL,
  status.UNKNOWN,
  status.RESOURCE_EXHAUSTED,
  status.DATA_LOSS,
  status.UNIMPLEMENTED,
]);

export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isDependencyTrouble(error: unknown): boolean {
  const code = grpcCode(error);
  return code !== undefined && troubleCodes.has(code);
}

/** Why a dependency call failed, in words for the Degradation message and the logs. */
export function describeFailure(error: unknown): string {
  if (isBrokenCircuitError(error) || isIsolatedCircuitError(error)) return 'CIRCUIT_OPEN: circuit breaker is open';
  if (isBulkheadRejectedError(error)) return 'BULKHEAD_FULL: too many calls in flight';
  if (error instanceof DeadlineWhileQueuedError)
    return 'DEADLINE_EXCEEDED: deadline passed while queued in the bulkhead';
  if (isTaskCancelledError(error)) return 'CANCELLED: call cancelled';
  const code = grpcCode(error);
  if (code !== undefined) {
    const details = (error as { details?: unknown }).details;
    return `${status[code]}: ${typeof details === 'string' ? details : ''}`.trim();
  }
  return error instanceof Error ? error.message : String(error);
}

/** The call's deadline passed while it waited for a bulkhead slot. */
export class DeadlineWhileQueuedError extends Error {
  override name = 'DeadlineWhileQueuedError';
}
