/**
 * An OTLP/gRPC trace receiver, built from the official OTLP proto
 * definitions (fetched by `make install` into .tools/otlp-proto): it takes
 * every span the services export, as Jaeger's OTLP port would, and keeps
 * them for tests to inspect (or only counts them, for benchmarks).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const protoDir = fileURLToPath(new URL('../../../../.tools/otlp-proto', import.meta.url));

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** 1 internal, 2 server, 3 client. */
  kind: number;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  attributes: Record<string, string | number | boolean>;
  events: { name: string; attributes: Record<string, string | number | boolean> }[];
  /** ms since the epoch. */
  startMs: number;
  durationMs: number;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string;
  boolValue?: boolean;
  doubleValue?: number;
  value?: string;
}
interface KeyValue {
  key: string;
  value: AnyValue | null;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: string;
  attributes: KeyValue[];
  events: { name: string; attributes: KeyValue[] }[];
  status: { code: string } | null;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}
interface ExportRequest {
  resourceSpans: { resource: { attributes: KeyValue[] } | null; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

export interface OtlpReceiver {
  endpoint: string;
  /** Every span received, unless started with keep: false. */
  spans: ReceivedSpan[];
  /** How many spans arrived. */
  readonly count: number;
  stop(): Promise<void>;
}

export async function startOtlpReceiver(options: { keep?: boolean } = {}): Promise<OtlpReceiver> {
  const keep = options.keep ?? true;
  let count = 0;
  if (!existsSync(protoDir)) throw new Error(`${protoDir} is missing: run make install`);
  const definition = protoLoader.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', {
    includeDirs: [protoDir],
    longs: String,
    enums: String,
    bytes: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    opentelemetry: { proto: { collector: { trace: { v1: { TraceService: { service: grpc.ServiceDefinition } } } } } };
  };
  const spans: ReceivedSpan[] = [];
  const server = new grpc.Server();
  server.addService(loaded.opentelemetry.proto.collector.trace.v1.TraceService.service, {
    Export: (call: grpc.ServerUnaryCall<ExportRequest, object>, callback: grpc.sendUnaryData<object>) => {
      for (const resourceSpans of call.request.resourceSpans) {
        const resource = attributesOf(resourceSpans.resource?.attributes ?? []);
        for (const scope of resourceSpans.scopeSpans) {
          count += scope.spans.length;
          if (!keep) continue;
          for (const span of scope.spans) {
            spans.push({
              service: String(resource['service.name'] ?? ''),
              traceId: hex(span.traceId),
              spanId: hex(span.spanId),
              parentSpanId: hex(span.parentSpanId),
              name: span.name,
              kind: spanKinds.indexOf(span.kind),
              statusCode: statusCodes.indexOf(span.status?.code ?? 'STATUS_CODE_UNSET'),
              attributes: attributesOf(span.attributes),
              events: span.events.map((event) => ({ name: event.name, attributes: attributesOf(event.attributes) })),
              startMs: Number(BigInt(span.startTimeUnixNano) / 1000n) / 1000,
              durationMs: Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6,
            });
          }
        }
      }
      callback(null, {});
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    get count() {
      return count;
    },
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

const spanKinds = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT'];
const statusCodes = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

function hex(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}

function attributesOf(list: KeyValue[]): Record<string, string | number | boolean> {
  const result: Record<string, string | number | boolean> = {};
  for (const { key, value } of list) {
    if (!value) continue;
    if (value.stringValue !== undefined && value.value === 'stringValue') result[key] = value.stringValue;
    else if (value.value === 'intValue') result[key] = Number(value.intValue);
    else if (value.value === 'boolValue') result[key] = value.boolValue ?? false;
    else if (value.value === 'doubleValue') result[key] = value.doubleValue ?? 0;
  }
  return result;
}
