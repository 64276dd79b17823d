import { z } from 'zod';
import { grpcTarget, jwtSecret, maxDelayMs, parseStatusCode, serverConfigShape } from '@demo/platform';

const percentage = () => z.coerce.number().min(0).max(100);

/** Every variable the recommendation service reads; defaults run one replica locally. */
export const configSchema = z.object({
  ...serverConfigShape({ grpcPort: 50053, metricsPort: 9466 }),
  /** HS256 key for FaultService callers' tokens; a Kubernetes Secret in the cluster. */
  JWT_SECRET: jwtSecret(),
  /**
   * Where the other replicas are, to forward fault changes to them and ask
   * them for the current fault at start: the headless Service
   * (`dns:///recommendation-headless...:50051`) in the cluster, the `ipv4:`
   * list of every replica locally. Unset: this replica is alone.
   */
  FAULT_PEERS_TARGET: grpcTarget().optional(),
  /** This pod's IP (downward API), so the replica finds itself among the DNS answers. */
  POD_IP: z.ipv4().optional(),
  /** The fault to start with, until FaultService changes it (a chart value can start the system faulty). */
  FAULT_DELAY_MS: z.coerce.number().int().min(0).max(maxDelayMs).default(0),
  FAULT_DELAY_PERCENT: percentage().default(0),
  FAULT_ABORT_CODE: z
    .string()
    .default('UNAVAILABLE')
    .transform((text, ctx) => {
      const code = parseStatusCode(text);
      if (code === undefined || code < 1 || code > 16) {
        ctx.addIssue({ code: 'custom', message: 'expected a gRPC status name or number from 1 to 16' });
        return z.NEVER;
      }
      return code;
    }),
  FAULT_ABORT_PERCENT: percentage().default(0),
});

export type RecommendationConfig = z.infer<typeof configSchema>;
