import { z } from 'zod';
import { grpcTarget, jwtSecret, positiveMs, serverConfigShape } from '@demo/platform';

/** Every variable the aggregator reads; defaults match `make run` (DESIGN.md's local ports). */
export const configSchema = z.object({
  ...serverConfigShape({ grpcPort: 50051, metricsPort: 9464 }),
  /** HS256 key for callers' bearer tokens; a Kubernetes Secret in the cluster. */
  JWT_SECRET: jwtSecret(),
  USER_TARGET: grpcTarget().default('ipv4:127.0.0.1:50052'),
  /** Locally, both recommendation replicas in one round_robin target, as DNS gives in the cluster. */
  RECOMMENDATION_TARGET: grpcTarget().default('ipv4:127.0.0.1:50053,127.0.0.1:50054'),
  /** The user lookup is a point read; a second is far beyond its normal few milliseconds. */
  USER_TIMEOUT_MS: positiveMs().default(1000),
  /**
   * Recommendations are optional, so they get a tight budget: past it the
   * answer goes out degraded rather than late.
   */
  RECOMMENDATION_TIMEOUT_MS: positiveMs().default(300),
  /** Time kept back from the caller's deadline so the answer can still reach it. */
  DEADLINE_MARGIN_MS: z.coerce.number().int().min(0).max(10_000).default(20),
});

export type AggregatorConfig = z.infer<typeof configSchema>;
