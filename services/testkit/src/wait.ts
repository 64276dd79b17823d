/**
 * Waiting for a condition: poll it, bounded in time, and stop at once when
 * the awaited thing can no longer happen (GiveUp).
 */

/** Thrown by a probe to stop waiting at once (the awaited thing can no longer happen). */
export class GiveUp extends Error {
  override name = 'GiveUp';
}

/**
 * Polls `probe` every `everyMs` (50) until it returns a value, failing after
 * `timeoutMs`. A probe that throws means "not yet", except with GiveUp.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const giveUp = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() > giveUp) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
