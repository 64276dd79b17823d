import { homeClient } from '@demo/platform';
import type { Result } from '@demo/testkit/open-loop';

/**
 * Calls GetUserHome the way a front end would (the platform's homeClient: a
 * bearer token, a deadline), user ids taken in turn.
 */
export function userHomeCaller(options: { target: string; token: string; userIds: string[]; deadlineMs: number }) {
  const client = homeClient(options.target, { token: options.token, deadlineMs: options.deadlineMs });
  let next = 0;
  return {
    async send(): Promise<Result> {
      const userId = options.userIds[next++ % options.userIds.length] ?? '1';
      const call = await client.home(userId);
      return {
        outcome: call.outcome,
        replica: call.answer?.servedBy['recommendation'],
        reason: call.outcome === 'degraded' ? call.reason : undefined,
      };
    },
    close: () => client.close(),
  };
}
