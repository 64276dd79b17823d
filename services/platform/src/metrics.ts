import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import type { Logger } from './logger.js';
import {
  Counter,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type LabelValues,
  type OpenMetricsContentType,
} from 'prom-client';

export type MetricsRegistry = Registry<OpenMetricsContentType>;

/**
 * One registry per process, built in the composition root and handed to
 * whatever records metrics. Node process metrics (event-loop lag, heap, GC)
 * come with it. It speaks OpenMetrics, the exposition that carries
 * exemplars: a latency bucket links to a trace.
 */
export function createMetricsRegistry(labels: { service: string }): MetricsRegistry {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  registry.setDefaultLabels({ service: labels.service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

const grpcLabels = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
/** go-grpc-prometheus's default buckets (Prometheus's DefBuckets). */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The trace of the active span, as exemplar labels, when that trace is
 * sampled: an exemplar is a link to a trace in Jaeger, and an unsampled
 * trace is never there. None outside a trace either (or inside a
 * placeholder span of zeros). Unsampled calls, nine in ten at 10 %, so
 * skip the exemplar's work too.
 */
export function traceExemplar(): Record<string, string> | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || (spanContext.traceFlags & TraceFlags.SAMPLED) === 0 || !isSpanContextValid(spanContext)) {
    return undefined;
  }
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/** One label set's count, added to on the hot path: a plain number. */
export interface CounterSlot {
  count: number;
}

/**
 * A prom-client Counter counted per call without touching prom-client: each
 * label set gets a slot once (slot()), a call adds 1 to its slot's number,
 * and the slots are added into the Counter when it is collected, at every
 * scrape. prom-client's inc() hashes the label set on every call, which
 * costs a short call more than the rest of its metrics together; the
 * scraped values are the same.
 */
export class SlottedCounter {
  readonly #slots: { labels: LabelValues<string>; slot: CounterSlot }[] = [];

  constructor(config: CounterConfiguration<string>) {
    const slots = this.#slots;
    new Counter({
      ...config,
      collect() {
        for (const { labels, slot } of slots) {
          if (slot.count === 0) continue;
          this.inc(labels, slot.count);
          slot.count = 0;
        }
      },
    });
  }

  /** The slot for one label set; keep it (a slot per call would grow until the next scrape). */
  slot(labels: LabelValues<string>): CounterSlot {
    const slot = { count: 0 };
    this.#slots.push({ labels, slot });
    return slot;
  }
}

/** go-grpc-prometheus's server metrics, same names, labels and buckets, so existing dashboards work. */
export function grpcServerMetrics(registry: MetricsRegistry) {
  const labelNames = grpcLabels;
  return {
    started: new SlottedCounter({
      name: 'grpc_server_started_total',
      help: 'Total number of RPCs started on the server.',
      labelNames,
      registers: [registry],
    }),
    handled: new SlottedCounter({
      name: 'grpc_server_handled_total',
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: [...labelNames, 'grpc_code'],
      registers: [registry],
    }),
    handlingSeconds: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
      labelNames,
      buckets: latencyBuckets,
      enableExemplars: true,
      registers: [registry],
    }),
    received: new SlottedCounter({
      name: 'grpc_server_msg_received_total',
      help: 'Total number of RPC stream messages received on the server.',
      labelNames,
      registers: [registry],
    }),
    sent: new SlottedCounter({
      name: 'grpc_server_msg_sent_total',
      help: 'Total number of gRPC stream messages sent by the server.',
      labelNames,
      registers: [registry],
    }),
  };
}

export type GrpcServerMetrics = ReturnType<typeof grpcServerMetrics>;

/** go-grpc-prometheus's client metrics. */
export function grpcClientMetrics(registry: MetricsRegistry) {
  const labelNames = grpcLabels;
  return {
    started: new SlottedCounter({
      name: 'grpc_client_started_total',
      help: 'Total number of RPCs started on the client.',
      labelNames,
      registers: [registry],
    }),
    handled: new SlottedCounter({
      name: 'grpc_client_handled_total',
      help: 'Total number of RPCs completed by the client, regardless of success or failure.',
      labelNames: [...labelNames, 'grpc_code'],
      registers: [registry],
    }),
    handlingSeconds: new Histogram({
      name: 'grpc_client_handling_seconds',
      help: 'Histogram of response latency (seconds) of the gRPC until it is finished by the application.',
      labelNames,
      buckets: latencyBuckets,
      enableExemplars: true,
      registers: [registry],
    }),
    received: new SlottedCounter({
      name: 'grpc_client_msg_received_total',
      help: 'Total number of RPC stream messages received by the client.',
      labelNames,
      registers: [registry],
    }),
    sent: new SlottedCounter({
      name: 'grpc_client_msg_sent_total',
      help: 'Total number of gRPC stream messages sent by the client.',
      labelNames,
      registers: [registry],
    }),
  };
}

export type GrpcClientMetrics = ReturnType<typeof grpcClientMetrics>;

/**
 * Serves `GET /metrics` for Prometheus on its own port, apart from gRPC, and
 * logs "metrics listening" with the bound port (port 0 picks a free one; the
 * test harness reads the port from that line).
 */
export async function startMetricsServer(options: {
  registry: MetricsRegistry;
  host: string;
  port: number;
  logger: Logger;
}): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
      return;
    }
    options.registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(body),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
    );
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address();
  options.logger.info(
    { port: typeof address === 'object' && address !== null ? address.port : 0 },
    'metrics listening',
  );
  return server;
}
