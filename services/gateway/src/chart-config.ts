/**
 * The gateway's configuration in the cluster, from the same generator as
 * everywhere else (envoy-config.ts): `make manifests` writes it to
 * helm/grpc-demo/files/gateway/envoy.yaml, and the chart's ConfigMap passes
 * it through helm's `tpl`, which fills in the few values that belong to the
 * release (the services' gRPC port, the metrics port). A test fails when the
 * file is not what this function writes.
 */
import { stringify } from 'yaml';
import { envoyConfig, type GatewayConfigOptions, type Upstream } from './envoy-config.js';

/** Where the pod's volumes put the files the configuration names. */
export const chartPaths = {
  /** The ConfigMap's mount: envoy.yaml and descriptor-set.binpb. */
  configDir: '/etc/envoy',
  config: '/etc/envoy/envoy.yaml',
  descriptorSet: '/etc/envoy/descriptor-set.binpb',
  /** The OpenAPI document the gateway serves at GET /openapi.json, when the build generates one. */
  openapiDocument: '/etc/envoy/openapi.json',
  /** The JWT Secret's jwks.json key: the services' HS256 secret as a JWKS (never in the ConfigMap). */
  jwksDir: '/etc/envoy-jwt',
  jwks: '/etc/envoy-jwt/jwks.json',
};

/** The gateway pod's own ports (the chart's Deployment and Service use the same). */
export const chartPorts = {
  http: 8080,
  /** GET /ready for the kubelet's probes. */
  ready: 8082,
  /** Loopback only: it can stop Envoy. */
  admin: 9901,
};

/**
 * Numbers that are the chart's values, written into the file as helm
 * template expressions. The generator takes numbers, so each is given a
 * stand-in that nothing else uses, and every field of that name holding it is
 * swapped for its expression afterwards (proto3 JSON takes a number as a
 * string, so the quoted result is a valid port or count).
 */
export const helmValues = {
  /** Every service's gRPC port (.Values.ports.grpc). */
  grpcPort: { field: 'port_value', standIn: 65_001, expression: '{{ .Values.ports.grpc }}' },
  /** Every pod's Prometheus port (.Values.ports.metrics): the gateway's metrics listener. */
  metricsPort: { field: 'port_value', standIn: 65_002, expression: '{{ .Values.ports.metrics }}' },
  /** The share of new traces kept (.Values.tracing.samplingRatio), in millionths, as the tracer's sampler counts. */
  samplingMillionths: {
    field: 'numerator',
    standIn: 987_654,
    expression: '{{ round (mulf .Values.tracing.samplingRatio 1000000) 0 | int }}',
  },
} as const;

/** The two forms of the file: with Jaeger in the release, the gateway's spans go there; without, it traces nothing. */
export type ChartTracing = 'traced' | 'untraced';
export const chartConfigFiles: Record<ChartTracing, string> = {
  traced: 'files/gateway/envoy.yaml',
  untraced: 'files/gateway/envoy-untraced.yaml',
};

/** The headless Service of each upstream: DNS answers with every ready pod, and Envoy balances per call over them. */
const headlessServices: Record<Upstream, string> = {
  aggregator: 'aggregator-headless',
  user: 'user-headless',
  recommendation: 'recommendation-headless',
};

/**
 * The origins of the pages that may call the gateway from a browser
 * (gRPC-Web, CORS): the control room as make port-forward and skaffold put
 * it on this machine.
 */
export const chartCorsOrigins = ['http://127.0.0.1:8080', 'http://localhost:8080'];

/**
 * The options the cluster's gateway is generated with (`files`: where the
 * pod's volumes put them; a test gives its own). Short names: the
 * pod's DNS search path completes them with its own namespace, so the file
 * works in any namespace (as the Prometheus configuration does).
 *
 * `metrics`, `tracing`, `corsOrigins` and `openapiDocument` are the
 * generator's options for the metrics listener, the OpenTelemetry tracer,
 * gRPC-Web's CORS and GET /openapi.json: the cluster's values for them, the
 * services' own for tracing (OTLP to the release's Jaeger,
 * parentbased_traceidratio at tracing.samplingRatio).
 */
export function chartGatewayOptions(
  tracing: ChartTracing = 'traced',
  files: Pick<typeof chartPaths, 'descriptorSet' | 'jwks' | 'openapiDocument'> = chartPaths,
): GatewayConfigOptions {
  const upstream = (name: Upstream) => [`${headlessServices[name]}:${helmValues.grpcPort.standIn}`];
  const observability = {
    openapiDocument: files.openapiDocument,
    metrics: { host: '0.0.0.0', port: helmValues.metricsPort.standIn },
    corsOrigins: chartCorsOrigins,
    ...(tracing === 'traced'
      ? {
          tracing: {
            collector: { host: 'jaeger', port: 4317 },
            serviceName: 'gateway',
            ratio: helmValues.samplingMillionths.standIn / 1_000_000,
            parentBased: true,
          },
        }
      : {}),
  };
  return {
    listen: { host: '0.0.0.0', port: chartPorts.http },
    admin: { host: '127.0.0.1', port: chartPorts.admin },
    readiness: { host: '0.0.0.0', port: chartPorts.ready },
    upstreams: {
      aggregator: upstream('aggregator'),
      user: upstream('user'),
      recommendation: upstream('recommendation'),
    },
    upstreamResolution: 'dns',
    jwksFile: files.jwks,
    descriptorSet: files.descriptorSet,
    // Typed loosely on purpose: a generator without these options ignores them.
    ...(observability as Partial<GatewayConfigOptions>),
  };
}

/** Replaces every field that holds a stand-in with its helm expression. */
function withHelmValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withHelmValues);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => {
      const helm = Object.values(helmValues).find((entry) => key === entry.field && field === entry.standIn);
      return [key, helm ? helm.expression : withHelmValues(field)];
    }),
  );
}

/** One of the chart's files/gateway/envoy*.yaml: Envoy's bootstrap with helm expressions for the release's values. */
export function renderChartEnvoyConfig(tracing: ChartTracing = 'traced'): string {
  const config = withHelmValues(envoyConfig(chartGatewayOptions(tracing)));
  return (
    '# Generated by `make manifests` from services/gateway/src/chart-config.ts (envoy-config.ts, the one\n' +
    "# generator of the gateway's configuration). Do not edit. The chart's ConfigMap passes it through\n" +
    `# helm's tpl, which fills in the .Values expressions. ${tracing === 'traced' ? 'With' : 'Without'} the release's Jaeger.\n` +
    stringify(config, { lineWidth: 0 })
  );
}
