/**
 * The bounds of one downstream call: when it gives up, which rule set that
 * moment, and the cancellation that ends it early.
 */
export interface CallScope {
  /** undefined only when timeouts are switched off and the caller set no deadline. */
  deadline: Date | undefined;
  /**
   * What set the deadline: the call's own timeout, or the caller's remaining
   * time. Running out of the caller's time says nothing about the dependency,
   * so only the first counts against its circuit breaker.
   */
  deadlineSetBy: 'own_timeout' | 'caller' | undefined;
  signal: AbortSignal;
}

/**
 * Deadline propagation: a downstream call gets its own timeout, but never
 * more than the caller's deadline less a margin, so the answer (or the
 * fallback) still reaches the caller in time. 'spent' when that leaves no
 * time at all: then nobody is called.
 */
export function callDeadline(options: {
  timeoutMs: number;
  callerDeadline: Date | undefined;
  marginMs: number;
  now?: number;
}): Pick<CallScope, 'deadline' | 'deadlineSetBy'> | 'spent' {
  const now = options.now ?? Date.now();
  const own = now + options.timeoutMs;
  if (options.callerDeadline === undefined) return { deadline: new Date(own), deadlineSetBy: 'own_timeout' };
  const callerBound = options.callerDeadline.getTime() - options.marginMs;
  if (callerBound <= now) return 'spent';
  return own <= callerBound
    ? { deadline: new Date(own), deadlineSetBy: 'own_timeout' }
    : { deadline: new Date(callerBound), deadlineSetBy: 'caller' };
}
