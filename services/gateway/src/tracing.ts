/**
 * The gateway's tracing from the same OpenTelemetry variables the services
 * read (DESIGN.md, "Changes at run time"), so that its spans go where theirs
 * go and it samples as they do: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT turns
 * export on, OTEL_SDK_DISABLED=true turns it off, OTEL_TRACES_SAMPLER(_ARG)
 * decides which traces are kept.
 */

export interface GatewayTracing {
  /** OTLP/gRPC collector, e.g. 127.0.0.1:4317. */
  collector: { host: string; port: number };
  /** service.name of the gateway's spans: `gateway`, whatever OTEL_SERVICE_NAME names the services. */
  serviceName: string;
  /** The share of new traces kept, 0 to 1. */
  ratio: number;
  /** Whether a caller's traceparent decides (the parentbased_* samplers, the SDK's default). */
  parentBased: boolean;
}

/** OTEL_TRACES_SAMPLER's values, as the OpenTelemetry SDKs read them. */
const samplers: Record<string, { parentBased: boolean; ratio?: number }> = {
  always_on: { parentBased: false, ratio: 1 },
  always_off: { parentBased: false, ratio: 0 },
  traceidratio: { parentBased: false },
  parentbased_always_on: { parentBased: true, ratio: 1 },
  parentbased_always_off: { parentBased: true, ratio: 0 },
  parentbased_traceidratio: { parentBased: true },
};

/** The gateway's tracing, or undefined when the services export none either; throws a line naming a bad variable. */
export function tracingFromEnv(env: Record<string, string | undefined>): GatewayTracing | undefined {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return undefined;
  const variable = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']
    ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
    : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const endpoint = env[variable];
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`${variable}: expected a URL such as http://127.0.0.1:4317, got ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:') throw new Error(`${variable}: the gateway exports OTLP/gRPC over http:// only`);

  const samplerName = (env['OTEL_TRACES_SAMPLER'] ?? 'parentbased_always_on').trim().toLowerCase();
  const sampler = samplers[samplerName];
  if (!sampler) {
    throw new Error(`OTEL_TRACES_SAMPLER: expected one of ${Object.keys(samplers).join(', ')}, got ${samplerName}`);
  }
  let ratio = sampler.ratio;
  if (ratio === undefined) {
    const argument = env['OTEL_TRACES_SAMPLER_ARG'];
    ratio = argument === undefined || argument === '' ? 1 : Number(argument);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
      throw new Error(`OTEL_TRACES_SAMPLER_ARG: expected a ratio from 0 to 1, got ${JSON.stringify(argument)}`);
    }
  }
  return {
    collector: { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 4317) },
    serviceName: 'gateway',
    ratio,
    parentBased: sampler.parentBased,
  };
}
