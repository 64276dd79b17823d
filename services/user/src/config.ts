import { z } from 'zod';
import { positiveMs, serverConfigShape } from '@demo/platform';

/** Every variable the user service reads; defaults run one in-memory replica locally. */
export const configSchema = z.object({
  ...serverConfigShape({ grpcPort: 50052, metricsPort: 9465 }),
  /**
   * The Redis every replica shares (redis:// or rediss:// for TLS). Unset
   * means an in-memory store, which only makes sense for a single process.
   */
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' }).optional(),
  /**
   * A Redis command not answered by then fails UNAVAILABLE (sooner when the
   * caller's deadline is sooner), or DEADLINE_EXCEEDED for a create that
   * reached Redis, which may yet apply it: a Redis that is up but stopped
   * answering must not hold calls until their deadlines. Three in a row and the
   * replica reports NOT_SERVING until Redis answers again.
   */
  REDIS_COMMAND_TIMEOUT_MS: positiveMs().default(1000),
  /** Redis commands sent and not yet answered, at most; more wait for one of them to finish. */
  REDIS_MAX_IN_FLIGHT_COMMANDS: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Commands waiting to be sent, at most; more are refused at once with UNAVAILABLE. */
  REDIS_MAX_QUEUED_COMMANDS: z.coerce.number().int().min(0).max(100_000).default(1000),
});

export type UserConfig = z.infer<typeof configSchema>;
