import { status, type StatusObject } from '@grpc/grpc-js';

/**
 * How a call that grpc-js reports cancelled really ended. The client's own
 * timer cancels a call at its deadline, and its RST_STREAM usually arrives
 * before the server's timer for the same deadline fires (the server counts
 * from a little later, when the headers arrived). So a cancellation in the
 * last tenth of the call's time (and at least its last 10 ms) is the
 * deadline: DEADLINE_EXCEEDED, as the client sees it. Any earlier, the
 * client really cancelled.
 */
export function cancellationStatus(options: {
  /** The call's deadline as grpc-js gives it: a Date, epoch ms, or Infinity for none. */
  deadline: Date | number;
  /** Epoch ms when the call started. */
  startedAt: number;
  now?: number;
}): Pick<StatusObject, 'code' | 'details'> {
  const deadline = options.deadline instanceof Date ? options.deadline.getTime() : options.deadline;
  const now = options.now ?? Date.now();
  if (Number.isFinite(deadline)) {
    const allowance = Math.max(10, (deadline - options.startedAt) / 10);
    if (now >= deadline - allowance) return { code: status.DEADLINE_EXCEEDED, details: 'deadline exceeded' };
  }
  return { code: status.CANCELLED, details: 'cancelled by the client' };
}
