import { z } from 'zod';
import {
  defenseLabels,
  defenseNames,
  flag,
  grpcTarget,
  jwtSecret,
  positiveMs,
  serverConfigShape,
  type DefenseName,
} from '@demo/platform';

type DefenseVariable = `RESILIENCE_${Uppercase<(typeof defenseLabels)[DefenseName]>}`;

/** The variable that switches one defense at start: RESILIENCE_TIMEOUTS, ..., RESILIENCE_CIRCUIT_BREAKER. */
export const defenseVariable = (name: DefenseName) =>
  `RESILIENCE_${defenseLabels[name].toUpperCase()}` as DefenseVariable;

const defenseFlags = Object.fromEntries(defenseNames.map((name) => [defenseVariable(name), flag(true)])) as Record<
  DefenseVariable,
  ReturnType<typeof flag>
>;

/** Every variable the aggregator reads; defaults match `make run` (DESIGN.md's local ports). */
export const configSchema = z.object({
  ...serverConfigShape({ grpcPort: 50051, metricsPort: 9464 }),
  /** HS256 key for callers' bearer tokens; a Kubernetes Secret in the cluster. */
  JWT_SECRET: jwtSecret(),
  /**
   * Where the other aggregator replicas are, to forward defense switches to
   * them and take theirs at start: the headless Service in the cluster.
   * Unset: this replica is alone.
   */
  DEFENSE_PEERS_TARGET: grpcTarget().optional(),
  /** This pod's IP (downward API), so the replica finds itself among the DNS answers. */
  POD_IP: z.ipv4().optional(),
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
  /**
   * At start, how long readiness waits for the dependencies' channels to
   * connect (then it serves regardless, degraded or UNAVAILABLE). 0 locally,
   * where `make run` starts the dependencies first; the chart sets 15 s, as
   * pods started together find each other's DNS records only once Ready.
   */
  STARTUP_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(0),
  /** Time kept back from the caller's deadline so the answer can still reach it. */
  DEADLINE_MARGIN_MS: z.coerce.number().int().min(0).max(10_000).default(20),

  /**
   * The defenses. RESILIENCE_ENABLED=false switches them all off, to show the
   * cascade they prevent; each can also be switched off alone (one
   * RESILIENCE_<LABEL> per defense switch), and so can admission control.
   */
  RESILIENCE_ENABLED: flag(true),
  ...defenseFlags,
  RESILIENCE_ADMISSION: flag(true),

  /**
   * GetUserHome calls in flight at most; the next gets RESOURCE_EXHAUSTED at
   * once. Above what the recommendation bulkhead holds (32 running, 8
   * queued), so a hung dependency is contained by its bulkhead and breaker
   * rather than by turning callers away; low enough that admitted calls stay
   * fast (by Little's law, 64 at ~600 calls/s is ~100 ms).
   */
  ADMISSION_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(64),

  /** Attempts in all, the first included: one or two retries are plenty within a 300 ms budget. */
  RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(2).max(5).default(3),
  RETRY_INITIAL_BACKOFF_MS: positiveMs().default(20),
  RETRY_MAX_BACKOFF_MS: positiveMs().default(200),
  /** The retry budget (gRPC retryThrottling): a 10-token bucket refilled 0.1 per success. */
  RETRY_BUDGET_MAX_TOKENS: z.coerce.number().int().min(1).max(1000).default(10),
  RETRY_BUDGET_TOKEN_RATIO: z.coerce.number().gt(0).max(1).default(0.1),

  /** Opens when more than half the calls of the last second fail... */
  BREAKER_FAILURE_RATIO: z.coerce.number().gt(0).lt(1).default(0.5),
  BREAKER_WINDOW_MS: positiveMs().default(1000),
  /** ...with at least this many calls a second, low enough for the demo's 100 req/s to trip it. */
  BREAKER_MINIMUM_RPS: z.coerce.number().min(0).max(100_000).default(5),
  /** How long an open breaker refuses calls before it lets one through to test the dependency. */
  BREAKER_HALF_OPEN_AFTER_MS: positiveMs().default(2000),

  /** Concurrent calls allowed per dependency, and how many more may wait for a slot. */
  BULKHEAD_USER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(64),
  BULKHEAD_USER_QUEUE: z.coerce.number().int().min(0).max(10_000).default(16),
  BULKHEAD_RECOMMENDATION_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(32),
  BULKHEAD_RECOMMENDATION_QUEUE: z.coerce.number().int().min(0).max(10_000).default(8),
});

export type AggregatorConfig = z.infer<typeof configSchema>;
