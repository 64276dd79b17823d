import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { markTracingStarted } from './state.js';

/**
 * Starts the OpenTelemetry SDK from the standard OTEL_* variables:
 * OTEL_SDK_DISABLED=true turns it off; OTEL_EXPORTER_OTLP_ENDPOINT (Jaeger's
 * OTLP/gRPC port 4317) turns export on, and without it nothing is recorded
 * or sent; OTEL_TRACES_SAMPLER(_ARG) samples; OTEL_SERVICE_NAME and
 * OTEL_RESOURCE_ATTRIBUTES (k8s.pod.name, k8s.namespace.name in the cluster)
 * describe the process; OTEL_BSP_* bound the export queue.
 */
export async function startTelemetry(): Promise<void> {
  if (process.env['OTEL_LOG_LEVEL'] === undefined) diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);

  // Instrumentations hook module loading when they are constructed, so they
  // come first; the SDK and the OTLP exporter load @grpc/grpc-js themselves
  // and are imported only afterwards, or grpc-js would be loaded unpatched.
  const instrumentations = [
    new GrpcInstrumentation({
      // Probes and reflection would drown the traces people came for.
      ignoreGrpcMethods: ['Check', 'Watch', 'List', 'ServerReflectionInfo'],
    }),
    new IORedisInstrumentation(),
  ];
  const [{ NodeSDK }, { OTLPTraceExporter }, { BatchSpanProcessor }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-grpc'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
  ]);

  const exporting =
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] !== undefined ||
    process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] !== undefined;
  const service = serviceOfMain();
  const sdk = new NodeSDK({
    instrumentations,
    // Defaults that OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override.
    resource: resourceFromAttributes({
      'service.name': service.name,
      'service.version': service.version,
      'service.instance.id': randomUUID(),
    }),
    // The batch processor bounds its queue (OTEL_BSP_MAX_QUEUE_SIZE, 2048)
    // and drops rather than grows when the collector is away.
    spanProcessors: exporting ? [new BatchSpanProcessor(new OTLPTraceExporter())] : [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  markTracingStarted();
}

/** The service's name and version from the package.json beside its main module (services/<name>/dist/src/main.js). */
function serviceOfMain(): { name: string; version: string } {
  try {
    const main = process.argv[1] ?? '';
    const packageJson = join(dirname(main), '..', '..', 'package.json');
    const { name, version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { name?: string; version?: string };
    return { name: (name ?? 'unknown').replace(/^@demo\//, ''), version: version ?? '0.0.0' };
  } catch {
    return { name: 'unknown', version: '0.0.0' };
  }
}
