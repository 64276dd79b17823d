import { randomBytes } from 'node:crypto';
import type { Check, CheckRecorder, E2eContext } from '../check.js';

export interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  references?: { refType: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
}
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>;
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** The trace from Jaeger's query API, once all of `services` have reported into it. */
export async function jaegerTrace(context: E2eContext, traceId: string, services: string[]): Promise<JaegerTrace> {
  return context.cluster.waitFor(
    `trace ${traceId} in Jaeger with spans of ${services.join(', ')}`,
    30_000,
    async () => {
      const { data } = await getJson<{ data: JaegerTrace[] }>(
        `http://${context.forwards.jaeger.address}/api/traces/${traceId}`,
      );
      const trace = data[0];
      if (!trace) return undefined;
      const reported = new Set(Object.values(trace.processes).map((p) => p.serviceName));
      return services.every((s) => reported.has(s)) ? trace : undefined;
    },
    1000,
  );
}

export const tag = (tags: { key: string; value: unknown }[], key: string) => tags.find((t) => t.key === key)?.value;

export const tracesCheck: Check = {
  id: 6,
  title: 'Traces: a GetUserHome with a known traceparent is in Jaeger, with server spans of all three services',
  async run(context, r) {
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    const call = await context.front.home(1, { traceparent });
    r.expect(call.outcome === 'ok', `the traced call answered ${call.outcome}`);
    r.figure('traceId', traceId);
    const trace = await jaegerTrace(context, traceId, ['aggregator', 'user', 'recommendation']);
    r.figure('spans', trace.spans.length);
    const serviceOf = (span: JaegerSpan) => trace.processes[span.processID]?.serviceName ?? '';
    const servers = trace.spans.filter((span) => tag(span.tags, 'span.kind') === 'server');
    r.figure(
      'serverSpans',
      servers.map((span) => `${serviceOf(span)}: ${span.operationName}`),
    );
    for (const service of ['aggregator', 'user', 'recommendation']) {
      r.expect(
        servers.some((span) => serviceOf(span) === service),
        `no server span of ${service}`,
      );
    }
    const pods = new Set((await context.cluster.pods()).map((pod) => pod.name));
    for (const [id, process] of Object.entries(trace.processes)) {
      const podName = tag(process.tags, 'k8s.pod.name');
      r.expect(
        typeof podName === 'string' && pods.has(podName),
        `process ${id} (${process.serviceName}) has k8s.pod.name ${String(podName)}, not a pod of the namespace`,
      );
    }
    // The Redis commands under the user service's server span.
    const byId = new Map(trace.spans.map((span) => [span.spanID, span]));
    const userServer = servers.find((span) => serviceOf(span) === 'user');
    const under = (span: JaegerSpan, ancestor: JaegerSpan): boolean => {
      for (let parent = span.references?.find((ref) => ref.refType === 'CHILD_OF'); parent;) {
        if (parent.spanID === ancestor.spanID) return true;
        parent = byId.get(parent.spanID)?.references?.find((ref) => ref.refType === 'CHILD_OF');
      }
      return false;
    };
    // db.system.name in current semantic conventions, db.system before.
    const redis = trace.spans.filter(
      (span) => tag(span.tags, 'db.system.name') === 'redis' || tag(span.tags, 'db.system') === 'redis',
    );
    r.figure(
      'redisSpans',
      redis.map((span) => span.operationName),
    );
    r.expect(redis.length > 0, 'no Redis span in the trace');
    r.expect(
      userServer !== undefined && redis.length > 0 && redis.every((span) => under(span, userServer)),
      'the Redis spans are not under the user server span',
    );
  },
};

export interface Targets {
  data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
}
export interface Vector {
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}
interface Exemplars {
  data: { seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string> }[] }[];
}

async function grafanaChecks(context: E2eContext, r: CheckRecorder) {
  const forward = await context.cluster.forward('svc/grafana', 3000);
  try {
    const base = `http://${forward.address}`;
    const dashboards = await getJson<{ title: string; uid: string }[]>(`${base}/api/search?query=grpc-demo`);
    r.figure(
      'grafanaDashboards',
      dashboards.map((d) => d.title),
    );
    r.expect(dashboards.length > 0, 'Grafana has no grpc-demo dashboard');
    const sources = await getJson<{ uid: string; name: string }[]>(`${base}/api/datasources`);
    for (const source of sources) {
      const health = await getJson<{ status: string; message: string }>(
        `${base}/api/datasources/uid/${source.uid}/health`,
      );
      r.expect(health.status === 'OK', `Grafana data source ${source.name}: ${health.status} ${health.message}`);
    }
    r.figure(
      'grafanaDataSources',
      sources.map((s) => s.name),
    );
  } finally {
    await forward.close();
  }
}

export const metricsCheck: Check = {
  id: 7,
  title:
    "Metrics: every service pod's target up in Prometheus, grpc_server_handled_total of all three, an exemplar's trace in Jaeger",
  async run(context, r) {
    const prometheus = `http://${context.forwards.prometheus.address}`;
    const servicePods = (await context.cluster.pods()).filter((pod) =>
      ['user', 'recommendation', 'aggregator'].includes(pod.component),
    );
    // DNS service discovery refreshes every 15 s and scrapes every 10 s.
    const targets = await context.cluster.waitFor(
      'every service pod up in Prometheus',
      60_000,
      async () => {
        const { data } = await getJson<Targets>(`${prometheus}/api/v1/targets`);
        const up = new Set(data.activeTargets.filter((t) => t.health === 'up').map((t) => t.labels['instance']));
        return servicePods.every((pod) => up.has(`${pod.ip}:9464`)) ? data.activeTargets : undefined;
      },
      2000,
    );
    r.figure('targetsUp', targets.filter((t) => t.health === 'up').length);
    r.figure('targets', targets.length);

    const handled = await context.cluster.waitFor(
      'grpc_server_handled_total of all three services',
      60_000,
      async () => {
        const url = `${prometheus}/api/v1/query?query=${encodeURIComponent('sum by (grpc_service) (grpc_server_handled_total)')}`;
        const { data } = await getJson<Vector>(url);
        const services = data.result.map((s) => s.metric['grpc_service'] ?? '');
        const wanted = [
          'demo.aggregator.v1.AggregatorService',
          'demo.user.v1.UserService',
          'demo.recommendation.v1.RecommendationService',
        ];
        return wanted.every((w) => services.includes(w)) ? data.result : undefined;
      },
      2000,
    );
    r.figure(
      'handledByService',
      Object.fromEntries(handled.map((s) => [s.metric['grpc_service'], Number(s.value[1])])),
    );

    const end = Date.now() / 1000;
    const query = encodeURIComponent('grpc_server_handling_seconds_bucket');
    const { data: exemplars } = await getJson<Exemplars>(
      `${prometheus}/api/v1/query_exemplars?query=${query}&start=${end - 3600}&end=${end}`,
    );
    const traceIds = [...new Set(exemplars.flatMap((s) => s.exemplars.map((e) => e.labels['trace_id'] ?? '')))].filter(
      Boolean,
    );
    r.figure('exemplarTraceIds', traceIds.length);
    if (r.expect(traceIds.length > 0, 'Prometheus holds no exemplar with a trace_id')) {
      // Any one exemplar whose trace Jaeger has (the newest calls may not be exported yet).
      let found: string | undefined;
      for (const traceId of traceIds.slice(-20)) {
        const { data } = await getJson<{ data: unknown[] }>(
          `http://${context.forwards.jaeger.address}/api/traces/${traceId}`,
        ).catch(() => ({ data: [] }));
        if (data.length > 0) {
          found = traceId;
          break;
        }
      }
      r.figure('exemplarTraceInJaeger', found ?? null);
      r.expect(found !== undefined, "none of the exemplars' trace ids is in Jaeger");
    }
    if (context.grafana) await grafanaChecks(context, r);
    else
      r.note(
        'Grafana is not installed on this cluster (no image here): its dashboard and data sources were not checked',
      );
  },
};
