import { z } from 'zod';
import { grpcTarget, jwtSecret, port, positiveMs } from '@demo/platform';

/**
 * Every variable the console reads; defaults match `make run` (DESIGN.md's
 * local ports), the chart sets the cluster's headless Services.
 */
export const configSchema = z.object({
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port().default(8080),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** 9464 in the pod; locally the services hold 9464 to 9467. */
  METRICS_PORT: port().default(9468),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  POD_NAME: z.string().min(1).optional(),
  /**
   * Signs the console's own read-only token (GetFault, GetDefenses, the load
   * generator's GetUserHome) and checks the admin tokens people paste into
   * the page. It never leaves this process.
   */
  JWT_SECRET: jwtSecret(),
  /** The aggregator: GetUserHome for the load, DefenseService on every replica. */
  AGGREGATOR_TARGET: grpcTarget().default('ipv4:127.0.0.1:50051'),
  /** Every recommendation replica, for FaultService (each replica's fault is shown). */
  RECOMMENDATION_TARGET: grpcTarget().default('ipv4:127.0.0.1:50053,127.0.0.1:50054'),
  /** Where each service's /metrics is, every replica of it (`dns:///headless:9464` in the cluster). */
  AGGREGATOR_METRICS_TARGET: grpcTarget().default('ipv4:127.0.0.1:9464'),
  USER_METRICS_TARGET: grpcTarget().default('ipv4:127.0.0.1:9465'),
  RECOMMENDATION_METRICS_TARGET: grpcTarget().default('ipv4:127.0.0.1:9466,127.0.0.1:9467'),
  /**
   * The gateway's /metrics, every replica of it (its own metrics listener, not
   * the admin interface); empty: the system has no gateway, and the page no
   * gateway chart. make run sets it when Envoy is installed.
   */
  GATEWAY_METRICS_TARGET: z.union([z.literal(''), grpcTarget()]).default(''),
  /** The Jaeger UI as the browser reaches it, for trace links; empty for no links. */
  JAEGER_UI_URL: z.union([z.url(), z.literal('')]).default('http://127.0.0.1:16686'),
  /**
   * Jaeger's query API as the console reaches it (http://jaeger:16686 in the
   * cluster), for the page's own trace view: a Jaeger built from the Go
   * module proxy has the API but no UI. Empty: no trace view.
   */
  JAEGER_QUERY_URL: z.union([z.url(), z.literal('')]).default('http://127.0.0.1:16686'),
  /** How often the page's charts get a point: at least once a second, as the issue asks. */
  SAMPLE_INTERVAL_MS: positiveMs().max(1000).default(1000),
  /** Points kept for the charts: five minutes at one a second. */
  HISTORY_POINTS: z.coerce.number().int().min(10).max(3600).default(300),
  /** The load generator's ceiling: it runs inside this pod, next to nothing. */
  LOAD_MAX_RATE: z.coerce.number().int().min(1).max(2000).default(500),
  /** Deadline of each generated GetUserHome, as a front end would set it. */
  LOAD_DEADLINE_MS: positiveMs().default(2000),
  /** The users the generated calls ask for (make run seeds 1 to 3). */
  LOAD_USER_IDS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'expected comma-separated user ids')
    .default('1,2,3')
    .transform((ids) => ids.split(',')),
  SHUTDOWN_GRACE_MS: positiveMs().default(5000),
});

export type ConsoleConfig = z.infer<typeof configSchema>;
