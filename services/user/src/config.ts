import { z } from 'zod';
import { serverConfigShape } from '@demo/platform';

/** Every variable the user service reads; defaults run one in-memory replica locally. */
export const configSchema = z.object({
  ...serverConfigShape({ grpcPort: 50052, metricsPort: 9465 }),
  /**
   * The Redis every replica shares (redis:// or rediss:// for TLS). Unset
   * means an in-memory store, which only makes sense for a single process.
   */
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' }).optional(),
});

export type UserConfig = z.infer<typeof configSchema>;
