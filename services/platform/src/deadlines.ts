/**
 * The one deadline rule for work done on a caller's behalf (a downstream
 * call, a store command): the work gets its own timeout, but never more than
 * the caller's deadline less a margin, so the answer (or a fallback) still
 * reaches the caller in time. 'spent' when that leaves no time at all: then
 * the work is not started, and the caller hears DEADLINE_EXCEEDED.
 */
export interface WorkDeadline {
  deadline: Date;
  /**
   * What set it: the work's own timeout, or the caller's remaining time.
   * Running out of the caller's time says nothing about the dependency, so
   * only the first counts against it (a circuit breaker, readiness).
   */
  deadlineSetBy: 'own_timeout' | 'caller';
}

export function callDeadline(options: {
  timeoutMs: number;
  callerDeadline: Date | undefined;
  marginMs: number;
  now?: number;
}): WorkDeadline | 'spent' {
  const now = options.now ?? Date.now();
  const own = now + options.timeoutMs;
  if (options.callerDeadline === undefined) return { deadline: new Date(own), deadlineSetBy: 'own_timeout' };
  const callerBound = options.callerDeadline.getTime() - options.marginMs;
  if (callerBound <= now) return 'spent';
  return own <= callerBound
    ? { deadline: new Date(own), deadlineSetBy: 'own_timeout' }
    : { deadline: new Date(callerBound), deadlineSetBy: 'caller' };
}
