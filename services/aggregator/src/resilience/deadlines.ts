/**
 * The bounds of one downstream call: when it gives up, which rule set that
 * moment, and the cancellation that ends it early.
 */
// The deadline rule itself is the platform's callDeadline (platform/src/deadlines.ts),
// shared with the user service's Redis store.
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
