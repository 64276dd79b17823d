import { z } from 'zod';
import { serverConfigShape } from '@demo/platform';

/** Every variable the recommendation service reads; defaults run one replica locally. */
export const configSchema = z.object({
  ...serverConfigShape({ grpcPort: 50053, metricsPort: 9466 }),
});

export type RecommendationConfig = z.infer<typeof configSchema>;
