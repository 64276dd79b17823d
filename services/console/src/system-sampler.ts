import { EventEmitter } from 'node:events';
import { defenseNames, resolveAddresses, type Logger } from '@demo/platform';
import {
  buckets,
  histogramQuantile,
  parsePrometheusText,
  sum,
  sumBy,
  type Sample,
} from '@demo/platform/prometheus-text';
import type { ServiceCalls } from './service-calls.js';
import type {
  DependencyName,
  DependencyPoint,
  Marker,
  Point,
  ReplicaDefenses,
  ReplicaFault,
  Settings,
} from './wire.js';

export interface MetricsTargets {
  aggregator: string;
  user: string;
  recommendation: string;
  /** The gateway's metrics listeners, when the system has a gateway. */
  gateway?: string;
}

type Scrape = Map<string, Sample[]>;
type Scrapes = Record<keyof MetricsTargets, Scrape>;

const scrapeTimeoutMs = 800;

/**
 * Samples the system once an interval: every replica's /metrics, the fault
 * on every recommendation replica and the defenses on every aggregator
 * replica. Each interval becomes one Point (rates from counter deltas), kept
 * in a bounded history and announced as a 'point' event; changes of a fault
 * or a defense become markers.
 */
export class SystemSampler {
  readonly history: Point[] = [];
  readonly markers: Marker[] = [];
  settings: Settings = { faults: [], defenses: [], unreachable: [] };
  readonly #events = new EventEmitter<{ point: [Point] }>();
  readonly #targets: MetricsTargets;
  readonly #calls: ServiceCalls;
  readonly #historyPoints: number;
  readonly #logger: Logger;
  #previous: { at: number; scrapes: Scrapes } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sampling = false;

  constructor(options: { targets: MetricsTargets; calls: ServiceCalls; historyPoints: number; logger: Logger }) {
    this.#targets = options.targets;
    this.#calls = options.calls;
    this.#historyPoints = options.historyPoints;
    this.#logger = options.logger;
  }

  /** Whether the system has a gateway whose calls the points count. */
  get hasGateway(): boolean {
    return this.#targets.gateway !== undefined;
  }

  start(intervalMs: number): void {
    // A slow round (a target timing out) skips the next tick rather than piling up.
    this.#timer = setInterval(() => {
      if (!this.#sampling) void this.sampleOnce();
    }, intervalMs);
    void this.sampleOnce();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  onPoint(listener: (point: Point) => void): () => void {
    this.#events.on('point', listener);
    return () => this.#events.off('point', listener);
  }

  /** Adds a marker for a change (made through the console, or seen on the system). */
  mark(text: string, t = Date.now()): void {
    this.markers.push({ t, text });
    if (this.markers.length > 100) this.markers.shift();
  }

  async sampleOnce(): Promise<void> {
    this.#sampling = true;
    try {
      const at = Date.now();
      const [aggregator, user, recommendation, gateway, faults, defenses] = await Promise.all([
        this.#scrape(this.#targets.aggregator),
        this.#scrape(this.#targets.user),
        this.#scrape(this.#targets.recommendation),
        this.#targets.gateway === undefined ? new Map<string, Sample[]>() : this.#scrape(this.#targets.gateway),
        this.#calls.faults(),
        this.#calls.defenses(),
      ]);
      const scrapes = { aggregator, user, recommendation, gateway };
      this.#noteChanges(faults, defenses);
      this.settings = {
        faults,
        defenses,
        unreachable: Object.values(scrapes).flatMap((scrape) =>
          [...scrape].filter(([, samples]) => samples.length === 0).map(([address]) => address),
        ),
      };
      if (this.#previous) {
        const point = this.#point(this.#previous, { at, scrapes }, defenses);
        this.history.push(point);
        if (this.history.length > this.#historyPoints) this.history.shift();
        this.#events.emit('point', point);
      }
      this.#previous = { at, scrapes };
    } catch (error) {
      this.#logger.warn({ err: error }, 'sampling the system failed');
    } finally {
      this.#sampling = false;
    }
  }

  async #scrape(target: string): Promise<Scrape> {
    const addresses = await resolveAddresses(target);
    const pages = await Promise.all(
      addresses.map(async (address): Promise<[string, Sample[]]> => {
        try {
          const response = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(scrapeTimeoutMs) });
          return [address, parsePrometheusText(await response.text())];
        } catch {
          return [address, []];
        }
      }),
    );
    return new Map(pages);
  }

  #point(
    before: { at: number; scrapes: Scrapes },
    after: { at: number; scrapes: Scrapes },
    defenses: ReplicaDefenses[],
  ): Point {
    const seconds = Math.max(0.001, (after.at - before.at) / 1000);
    /** Per-second increase of a counter, summed over the replicas that answered both scrapes. */
    const rate = (service: keyof MetricsTargets, read: (samples: Sample[]) => number) => {
      let total = 0;
      let seen = false;
      for (const [address, samples] of after.scrapes[service]) {
        const earlier = before.scrapes[service].get(address);
        if (!earlier || earlier.length === 0 || samples.length === 0) continue;
        seen = true;
        const now = read(samples);
        const then = read(earlier);
        // A restarted replica starts its counters again from zero.
        total += now >= then ? now - then : now;
      }
      return seen ? total / seconds : null;
    };
    const gauge = (service: keyof MetricsTargets, read: (samples: Sample[]) => number, combine: 'sum' | 'max') => {
      const values = [...after.scrapes[service].values()].filter((s) => s.length > 0).map(read);
      if (values.length === 0) return null;
      return combine === 'sum' ? values.reduce((a, b) => a + b, 0) : Math.max(...values);
    };

    const home = { grpc_service: 'demo.aggregator.v1.AggregatorService', grpc_method: 'GetUserHome' };
    const outcomes: Record<string, number> = {};
    const codes = new Set<string>();
    for (const samples of after.scrapes.aggregator.values()) {
      for (const code of sumBy(samples, 'grpc_server_handled_total', 'grpc_code', home).keys()) codes.add(code);
    }
    const degraded = rate('aggregator', (s) => sum(s, 'aggregator_degraded_responses_total')) ?? 0;
    for (const code of codes) {
      const perSecond = rate('aggregator', (s) => sum(s, 'grpc_server_handled_total', { ...home, grpc_code: code }));
      if (perSecond === null) continue;
      if (code === 'OK') {
        outcomes['ok'] = Math.max(0, perSecond - degraded);
        outcomes['degraded'] = degraded;
      } else if (perSecond > 0) {
        outcomes[code] = perSecond;
      }
    }

    const histogram = (scrapes: Scrape) => {
      const merged = new Map<number, number>();
      for (const samples of scrapes.values()) {
        for (const [le, count] of buckets(samples, 'grpc_server_handling_seconds', home)) {
          merged.set(le, (merged.get(le) ?? 0) + count);
        }
      }
      return merged;
    };
    const [beforeBuckets, afterBuckets] = [histogram(before.scrapes.aggregator), histogram(after.scrapes.aggregator)];
    const quantileMs = (q: number) => {
      const seconds = histogramQuantile(q, beforeBuckets, afterBuckets);
      return seconds === undefined ? null : Math.round(seconds * 1000);
    };

    const breakerOff = defenses.some((replica) => replica.defenses?.circuitBreaker === false);
    const dependency = (name: DependencyName): DependencyPoint => {
      const labels = { dependency: name };
      const counter = (metric: string) => rate('aggregator', (s) => sum(s, metric, labels));
      return {
        breaker: breakerOff
          ? -1
          : gauge('aggregator', (s) => sum(s, 'aggregator_circuit_breaker_state', labels), 'max'),
        inFlight: gauge('aggregator', (s) => sum(s, 'aggregator_bulkhead_in_flight', labels), 'sum'),
        bulkheadRejections: counter('aggregator_bulkhead_rejections_total'),
        retries: counter('aggregator_retries_total'),
        retriesRefused: counter('aggregator_retries_refused_total'),
        timeouts: counter('aggregator_timeouts_total'),
      };
    };

    const share = (service: DependencyName, method: Record<string, string>) => {
      const perReplica: Record<string, number> = {};
      for (const [address, samples] of after.scrapes[service]) {
        const earlier = before.scrapes[service].get(address);
        if (!earlier || samples.length === 0) continue;
        const now = sum(samples, 'grpc_server_handled_total', method);
        const then = sum(earlier, 'grpc_server_handled_total', method);
        perReplica[address] = (now >= then ? now - then : now) / seconds;
      }
      return perReplica;
    };

    // Envoy counts the calls its REST listener answered by status class (HTTP connection manager "gateway").
    const gatewayCalls = { envoy_http_conn_manager_prefix: 'gateway' };
    const gatewayClasses = new Set<string>();
    for (const samples of after.scrapes.gateway.values()) {
      for (const code of sumBy(
        samples,
        'envoy_http_downstream_rq_xx',
        'envoy_response_code_class',
        gatewayCalls,
      ).keys()) {
        gatewayClasses.add(code);
      }
    }
    let gateway: Record<string, number> | null = null;
    if (this.#targets.gateway !== undefined) {
      gateway = {};
      for (const code of gatewayClasses) {
        const perSecond = rate('gateway', (s) =>
          sum(s, 'envoy_http_downstream_rq_xx', { ...gatewayCalls, envoy_response_code_class: code }),
        );
        // Envoy keeps a counter for every class from the start: only those that moved are shown.
        if (perSecond !== null && perSecond > 0) gateway[`${code}xx`] = perSecond;
      }
    }

    return {
      t: after.at,
      outcomes,
      p50Ms: quantileMs(0.5),
      p99Ms: quantileMs(0.99),
      dependencies: { user: dependency('user'), recommendation: dependency('recommendation') },
      share: {
        user: share('user', { grpc_service: 'demo.user.v1.UserService', grpc_method: 'GetUser' }),
        recommendation: share('recommendation', {
          grpc_service: 'demo.recommendation.v1.RecommendationService',
          grpc_method: 'GetRecommendations',
        }),
      },
      gateway,
    };
  }

  /** A marker for each fault or defense change since the last round. */
  #noteChanges(faults: ReplicaFault[], defenses: ReplicaDefenses[]): void {
    const previous = this.settings;
    if (previous.faults.length === 0 && previous.defenses.length === 0) return;
    const faultNow = new Set(faults.filter((f) => f.error === undefined).map((f) => f.description));
    const faultThen = new Set(previous.faults.filter((f) => f.error === undefined).map((f) => f.description));
    for (const description of faultNow) {
      if (!faultThen.has(description)) this.mark(`fault: ${shortFault(description)}`);
    }
    const switchesThen = previous.defenses.find((d) => d.defenses)?.defenses;
    const switchesNow = defenses.find((d) => d.defenses)?.defenses;
    if (switchesThen && switchesNow) {
      const changed = defenseNames.filter((name) => switchesNow[name] !== switchesThen[name]);
      if (changed.length > 0) {
        this.mark(`defenses: ${changed.map((name) => `${name} ${switchesNow[name] ? 'on' : 'off'}`).join(', ')}`);
      }
    }
  }
}

/** "delay 3600000 ms on 100% of calls" reads as "hang" on a chart. */
function shortFault(description: string): string {
  return description.replace(/delay (\d{7,}) ms/, 'hang').replace(/ of calls/g, '');
}
