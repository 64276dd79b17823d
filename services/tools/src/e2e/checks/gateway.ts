import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bearerHeaders } from '@demo/platform';
import { repoRoot } from '../../cluster/toolchain.js';
import type { RestAnswer } from '../calls.js';
import type { Check, E2eContext } from '../check.js';
import type { PodUsage } from '../resources.js';
import { readmeGatewayBlock, runReadmeBlock } from './readme.js';
import { getJson, jaegerTrace, tag, type JaegerSpan, type Targets, type Vector } from './telemetry.js';

/** The gateway's configuration as the release deployed it (the ConfigMap the pods read). */
async function deployedConfig(context: E2eContext): Promise<{
  static_resources: { listeners: { name: string }[] };
  tracing?: unknown;
  text: string;
}> {
  const configMap = await context.cluster.getJson<{ data: Record<string, string> }>(['configmap', 'gateway-config']);
  const text = configMap.data['envoy.yaml'] ?? '';
  return { ...(parse(text) as { static_resources: { listeners: { name: string }[] } }), text };
}

/** The service name of the gateway's spans, from its tracer's configuration. */
function tracerServiceName(text: string): string | undefined {
  return /envoy\.tracers\.opentelemetry[\s\S]*?service_name: (\S+)/.exec(text)?.[1];
}

export const gatewayRestCheck: Check = {
  id: 12,
  title:
    "The REST gateway through a port-forward: GetUserHome with the cluster's token from both aggregator pods, a REST watch sees a user created meanwhile, nothing but its routes through it, the README's REST block",
  async run(context, r) {
    const { rest, cluster } = context;
    const aggregators = (await cluster.readyPods('aggregator')).map((pod) => pod.name).sort();

    // Per-call balancing: one forwarded connection lands on one gateway pod, and Envoy spreads the calls.
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await rest.home((i % 3) + 1));
    const statuses: Record<string, number> = {};
    const servedBy: Record<string, number> = {};
    for (const answer of answers) {
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.servedBy) servedBy[answer.servedBy] = (servedBy[answer.servedBy] ?? 0) + 1;
    }
    r.figure('statuses', statuses);
    r.figure('servedBy', servedBy);
    r.figure('p50Ms', Math.round(answers.map((a) => a.latencyMs).sort((a, b) => a - b)[15] ?? 0));
    r.expect(
      statuses['200'] === answers.length,
      `not every REST GetUserHome answered 200: ${JSON.stringify(statuses)}`,
    );
    r.expect(
      JSON.stringify(Object.keys(servedBy).sort()) === JSON.stringify(aggregators),
      `the served-by headers name ${Object.keys(servedBy).join(', ')}, not every aggregator pod (${aggregators.join(', ')})`,
    );
    for (const [pod, count] of Object.entries(servedBy)) {
      r.expect(count >= answers.length * 0.3, `${pod} answered ${count} of ${answers.length} calls: not balanced`);
    }
    const first = JSON.parse(answers[0]?.body ?? '{}') as { user?: { id?: unknown; name?: string } };
    r.expect(
      first.user?.id === '1',
      `proto3 JSON: the user's int64 id as the string "1", got ${JSON.stringify(first.user?.id)}`,
    );

    // A watch over REST sees a user created through the gateway meanwhile (resume_after_id: nothing missed).
    const suffix = randomUUID().slice(0, 8);
    const before = JSON.parse((await rest.createUser(`Watch ${suffix} A`, `watch-a-${suffix}@example.com`)).body) as {
      user: { id: string };
    };
    const seen: { id: string; email: string }[] = [];
    const controller = new AbortController();
    const watching = rest
      .watch(before.user.id, controller.signal, (user) => seen.push(user))
      .catch((error: unknown) => error);
    try {
      const created = await rest.createUser(`Watch ${suffix} B`, `watch-b-${suffix}@example.com`);
      const createdAt = performance.now();
      r.expect(created.status === 200, `POST /v1/users answered ${created.status}: ${created.body}`);
      const user = (JSON.parse(created.body) as { user: { id: string } }).user;
      await cluster.waitFor('the REST watch to deliver the user created meanwhile', 15_000, async () =>
        seen.some((u) => u.id === user.id) ? true : undefined,
      );
      r.figure('watchDeliveredAfterMs', Math.round(performance.now() - createdAt));
      r.expect(seen[0]?.id === user.id, `the watch's first line was ${JSON.stringify(seen[0])}, not user ${user.id}`);
    } finally {
      controller.abort();
      const ended = await watching;
      r.expect(!(ended instanceof Error), `the REST watch failed: ${String(ended)}`);
    }

    // Through the gateway nothing but its routes: no token, no call; a service it has no route for is not there.
    const grpc = { method: 'POST', headers: { 'content-type': 'application/grpc', te: 'trailers' }, body: '' };
    const bearer = bearerHeaders(rest.token);
    const grpcCall = (path: string) => rest.raw(path, { ...grpc, headers: { ...grpc.headers, ...bearer } });
    const asGrpc = (answer: RestAnswer) => `HTTP ${answer.status}, grpc-status ${answer.grpcStatus ?? 'none'}`;
    const surface = {
      'GET /v1/users/1 without a token': `HTTP ${(await rest.raw('/v1/users/1')).status}`,
      'gRPC grpc.health.v1.Health/Check': asGrpc(await grpcCall('/grpc.health.v1.Health/Check')),
      'gRPC grpc.reflection.v1.ServerReflection': asGrpc(
        await grpcCall('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo'),
      ),
      'GET /ready (the readiness port only)': `HTTP ${(await rest.raw('/ready', { headers: bearer })).status}`,
    };
    r.figure('surface', surface);
    r.expect(surface['GET /v1/users/1 without a token'] === 'HTTP 401', 'a /v1 route without a token was not 401');
    // A gRPC call the gateway has no route for is answered by Envoy itself: UNIMPLEMENTED (12), or HTTP 404.
    for (const what of ['gRPC grpc.health.v1.Health/Check', 'gRPC grpc.reflection.v1.ServerReflection'] as const) {
      r.expect(
        /^HTTP 404|grpc-status 12$/.test(surface[what]),
        `${what} through the gateway answered ${surface[what]}, not UNIMPLEMENTED: it reached a service`,
      );
    }
    r.expect(surface['GET /ready (the readiness port only)'] === 'HTTP 404', 'GET /ready answered on the REST port');

    // What the gateway pods use, at rest and at 50 REST calls a second (the kubelet's figures).
    const gatewayPods = (await cluster.readyPods('gateway')).map((pod) => pod.name);
    const ofGateway = (usage: Map<string, PodUsage>) =>
      Object.fromEntries([...usage].filter(([pod]) => gatewayPods.includes(pod)));
    r.figure('gatewayAtRest', ofGateway(await context.resources.measure(15_000)));
    const [load, underLoad] = await Promise.all([rest.openLoop(50, 20_000), context.resources.measure(20_000)]);
    r.figure('load50PerSecond', load);
    r.figure('gatewayUnderLoad', ofGateway(underLoad));
    r.expect(
      (load.statuses['200'] ?? 0) >= 0.99 * Object.values(load.statuses).reduce((a, b) => a + b, 0),
      `under 50 REST calls a second, answers ${JSON.stringify(load.statuses)}`,
    );

    // The README's REST block for the cluster, as written.
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const script = readmeGatewayBlock(readme, {
      namespace: cluster.namespace,
      gateway: context.forwards.gateway.address,
    });
    const result = await runReadmeBlock(context.programs, script);
    r.figure('readmeBlockExitStatus', result.status);
    if (r.expect(result.status === 0, `the README's gateway block failed:\n${result.stderr}${result.stdout}`)) {
      r.expect(/^served-by: /im.test(result.stdout), "the README's curl -i showed no served-by header");
      r.expect(/"name":"Ada Lovelace"/.test(result.stdout), "the README's GetUserHome did not answer with Ada");
    }
  },
};

export const gatewayTraceCheck: Check = {
  id: 13,
  title: 'A REST call is one trace in Jaeger that starts at the gateway, with the services’ spans beneath it',
  async run(context, r) {
    const config = await deployedConfig(context);
    const serviceName = tracerServiceName(config.text);
    if (!serviceName) {
      r.skip("the gateway's configuration has no OpenTelemetry tracer");
      return;
    }
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const answer = await context.rest.home(1, { traceparent: `00-${traceId}-${callerSpan}-01` });
    r.expect(answer.status === 200, `the traced REST call answered ${answer.status}`);
    r.figure('traceId', traceId);
    const trace = await jaegerTrace(context, traceId, [serviceName, 'aggregator', 'user', 'recommendation']);
    const serviceOf = (span: JaegerSpan) => trace.processes[span.processID]?.serviceName ?? '';
    const parentOf = (span: JaegerSpan) => span.references?.find((ref) => ref.refType === 'CHILD_OF')?.spanID;
    const byId = new Map(trace.spans.map((span) => [span.spanID, span]));
    const roots = trace.spans.filter((span) => !byId.has(parentOf(span) ?? ''));
    r.figure(
      'roots',
      roots.map((span) => `${serviceOf(span)}: ${span.operationName}`),
    );
    r.figure('spans', trace.spans.length);
    const [root] = roots;
    r.expect(
      roots.length === 1 && root !== undefined && serviceOf(root) === serviceName,
      'the trace does not start at the gateway',
    );
    r.expect(
      root !== undefined && parentOf(root) === callerSpan,
      "the gateway's span is not the caller's traceparent's child",
    );
    const aggregatorServer = trace.spans.find(
      (span) => serviceOf(span) === 'aggregator' && tag(span.tags, 'span.kind') === 'server',
    );
    let ancestor = aggregatorServer && byId.get(parentOf(aggregatorServer) ?? '');
    while (ancestor && ancestor !== root) ancestor = byId.get(parentOf(ancestor) ?? '');
    r.expect(ancestor !== undefined, "the aggregator's server span is not under the gateway's span");
  },
};

export const gatewayMetricsCheck: Check = {
  id: 14,
  title: "The gateway's metrics: every gateway pod's target up in Prometheus, with Envoy's request counts",
  async run(context, r) {
    const config = await deployedConfig(context);
    if (!config.static_resources.listeners.some((listener) => listener.name === 'metrics')) {
      r.skip("the gateway's configuration has no metrics listener");
      return;
    }
    const prometheus = `http://${context.forwards.prometheus.address}`;
    const pods = await context.cluster.readyPods('gateway');
    const targets = await context.cluster.waitFor(
      'every gateway pod up in Prometheus',
      60_000,
      async () => {
        const { data } = await getJson<Targets>(`${prometheus}/api/v1/targets`);
        const gateway = data.activeTargets.filter((t) => t.labels['job'] === 'gateway');
        const up = new Set(gateway.filter((t) => t.health === 'up').map((t) => t.labels['instance']));
        return pods.every((pod) => up.has(`${pod.ip}:9464`)) ? gateway : undefined;
      },
      2000,
    );
    r.figure(
      'targets',
      targets.map((t) => `${t.labels['instance']} ${t.health}`),
    );
    const requests = await context.cluster.waitFor(
      "Envoy's downstream request count of the gateway job",
      60_000,
      async () => {
        const query = encodeURIComponent(
          'sum(envoy_http_downstream_rq_total{job="gateway",envoy_http_conn_manager_prefix="gateway"})',
        );
        const { data } = await getJson<Vector>(`${prometheus}/api/v1/query?query=${query}`);
        const value = Number(data.result[0]?.value[1] ?? 0);
        return value > 0 ? value : undefined;
      },
      2000,
    );
    r.figure('downstreamRequests', requests);
  },
};
