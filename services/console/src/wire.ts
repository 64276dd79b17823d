// What the console sends its page, as JSON: GET /api/state once, then a
// `point` event a second on GET /api/events. The console's modules fill
// these and the page (web/app.ts) reads them: the one definition of both.
import type { DefenseName, DefenseSwitches, Fault } from '@demo/platform';

export type DependencyName = 'user' | 'recommendation';

/** What one dependency's defenses did in one interval (per second where it is a rate). */
export interface DependencyPoint {
  /** 0 closed, 1 open, 2 half-open (cockatiel's numbering); -1 while the breaker is switched off; null when unknown. */
  breaker: number | null;
  inFlight: number | null;
  bulkheadRejections: number | null;
  retries: number | null;
  retriesRefused: number | null;
  timeouts: number | null;
}

/** One point of every chart: the interval that ended at `t`. */
export interface Point {
  /** ms since the epoch. */
  t: number;
  /** GetUserHome answers per second at the front door: ok, degraded, and each error code. */
  outcomes: Record<string, number>;
  /** Front-door latency, estimated from the aggregator's histogram as Prometheus would. */
  p50Ms: number | null;
  p99Ms: number | null;
  dependencies: Record<DependencyName, DependencyPoint>;
  /** Calls per second each replica of each dependency served. */
  share: Record<DependencyName, Record<string, number>>;
  /**
   * REST and gRPC-Web calls per second the gateway answered, by HTTP status
   * class ('2xx', '4xx', ...), its own refusals included; null without a gateway.
   */
  gateway: Record<string, number> | null;
}

export interface ReplicaFault {
  replica: string;
  fault?: Fault | undefined;
  description: string;
  error?: string | undefined;
}

export interface ReplicaDefenses {
  replica: string;
  defenses?: DefenseSwitches | undefined;
  error?: string | undefined;
}

/** A change seen on the system (a fault, a defense), drawn on every chart. */
export interface Marker {
  t: number;
  text: string;
}

export interface Settings {
  faults: ReplicaFault[];
  defenses: ReplicaDefenses[];
  /** Metrics endpoints that did not answer the last scrape. */
  unreachable: string[];
}

export interface LoadStatus {
  running: boolean;
  rate: number;
  sent: number;
  inFlight: number;
  /** Calls not sent because too many were still in flight. */
  skipped: number;
}

/** A degraded or failed call, for the page's list of recent trouble. */
export interface RecentCall {
  at: number;
  outcome: string;
  reason: string;
  latencyMs: number;
  /** Set when the call's trace was sampled (and so can be found in Jaeger). */
  traceId?: string | undefined;
}

/** What changes with every point: the `point` event carries it with the point. */
export interface Update {
  markers: Marker[];
  settings: Settings;
  load: LoadStatus;
  recent: RecentCall[];
}

export interface PointEvent extends Update {
  point: Point;
}

/** GET /api/state: everything the page draws at first. */
export interface State extends Update {
  history: Point[];
  /** The defense switches the page offers, each with its name for people (`circuit_breaker`). */
  defenseLabels: Record<DefenseName, string>;
  /** Jaeger's UI for trace links; empty for none. */
  jaegerUrl: string;
  maxRate: number;
  /** Whether the system has a gateway (the page then charts its calls). */
  gateway: boolean;
}
