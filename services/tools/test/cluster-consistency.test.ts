import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import type { z } from 'zod';
import { clusterForwards } from '../src/port-forward/forwards.js';
import { namespace as defaultNamespace, type KubernetesObject } from '../src/cluster/manifests.js';
import { localConsolePorts, localGatewayPorts, localPorts } from '@demo/testkit/local-dev';
import { paths, makeVariable, repoRoot } from '../src/cluster/toolchain.js';
import {
  chartSets,
  containerPort,
  grpcServices,
  isGrpcService,
  matches,
  overlaySets,
  servicesOf,
  workloads,
  type Container,
  type PodSpec,
  type GrpcServiceName,
  type RenderedSet,
  type Workload,
} from './cluster-objects.js';

// The manifests against the code: every name, port, label and variable the
// chart and k8s/ use must be one the services and the other objects agree on.
// Each check runs on every way the system reaches a cluster.

const sets: RenderedSet[] = [...chartSets(), ...overlaySets()];

/** Each service's configuration schema, from its compiled code. */
const configSchemas = Object.fromEntries(
  await Promise.all(
    grpcServices.map(async (service) => {
      const module = (await import(new URL(`../../../${service}/dist/src/config.js`, import.meta.url).href)) as {
        configSchema: z.ZodObject;
      };
      return [service, module.configSchema] as const;
    }),
  ),
) as Record<GrpcServiceName, z.ZodObject>;

/** The console's configuration schema: an HTTP service, apart from the three gRPC ones. */
const consoleSchema = (
  (await import(new URL('../../../console/dist/src/config.js', import.meta.url).href)) as { configSchema: z.ZodObject }
).configSchema;

/**
 * The OpenTelemetry SDK's own variables (the spec's names), read by the
 * telemetry preload rather than the services' schemas.
 */
const otelVariables = new Set([
  'OTEL_SERVICE_NAME',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_SDK_DISABLED',
]);

/** What the cluster sets on purpose, where the services' defaults are for one machine. */
const clusterSettings = new Set([
  'GRPC_HOST',
  'GRPC_PORT',
  'METRICS_HOST',
  'METRICS_PORT',
  'POD_NAME',
  'POD_IP',
  'JWT_SECRET',
  'REDIS_URL',
  'USER_TARGET',
  'RECOMMENDATION_TARGET',
  'FAULT_PEERS_TARGET',
  'DEFENSE_PEERS_TARGET',
  // Pods started together find each other in DNS only once Ready; locally the dependencies start first.
  'STARTUP_CONNECT_TIMEOUT_MS',
]);

function namespaceOf(object: KubernetesObject): string {
  return object.metadata.namespace ?? defaultNamespace;
}

function grpcWorkload(set: RenderedSet, service: GrpcServiceName): Workload {
  const workload = workloads(set.objects).find((candidate) => candidate.name === service);
  assert.ok(workload, `${set.source}: a Deployment named ${service}`);
  return workload;
}

function onlyContainer(workload: Workload): Container {
  assert.equal(workload.pod.containers.length, 1, `${workload.name}: one container`);
  const [container] = workload.pod.containers;
  assert.ok(container);
  return container;
}

/**
 * The environment the process sees: values as the kubelet expands them
 * ($(VAR) of a variable defined earlier), downward API fields and Secret keys
 * as a pod would get them.
 */
function processEnv(set: RenderedSet, workload: Workload): Record<string, string> {
  const env: Record<string, string> = {};
  const secrets = new Map(
    set.objects
      .filter((object) => object.kind === 'Secret')
      .map((object) => [object.metadata.name, (object['data'] ?? {}) as Record<string, string>]),
  );
  for (const variable of onlyContainer(workload).env ?? []) {
    let value: string;
    if (variable.value !== undefined) {
      value = variable.value.replace(/\$\((\w+)\)/g, (reference: string, name: string) => {
        // The kubelet leaves a reference to an undefined (or later) variable as it is.
        assert.ok(
          name in env,
          `${set.source}: ${workload.name} ${variable.name} refers to $(${name}), defined before it`,
        );
        return env[name] ?? reference;
      });
    } else if (variable.valueFrom?.fieldRef) {
      const field = variable.valueFrom.fieldRef.fieldPath;
      const fields: Record<string, string> = {
        'metadata.name': `${workload.name}-7d4b9c8f6d-x2k9q`,
        'metadata.namespace': namespaceOf(workload.object),
        'status.podIP': '10.244.1.17',
      };
      assert.ok(field in fields, `${set.source}: ${workload.name} ${variable.name} from a known field (${field})`);
      value = fields[field] ?? '';
    } else if (variable.valueFrom?.secretKeyRef) {
      const { name, key } = variable.valueFrom.secretKeyRef;
      const data = secrets.get(name);
      if (set.hasJwtSecret) {
        assert.ok(
          data?.[key],
          `${set.source}: ${workload.name} ${variable.name} from Secret ${name} key ${key}, which exists`,
        );
        value = Buffer.from(data[key], 'base64').toString('utf8');
      } else {
        // k8s/: the one Secret kubectl users create (README), with a key as the chart would make it.
        assert.equal(name, 'grpc-demo-jwt', `${set.source}: ${variable.name} from the documented Secret`);
        value = 'k'.repeat(48);
      }
    } else {
      assert.fail(`${set.source}: ${workload.name} ${variable.name} has a value`);
    }
    assert.ok(!(variable.name in env), `${set.source}: ${workload.name} sets ${variable.name} once`);
    env[variable.name] = value;
  }
  return env;
}

/** The variables that exist only to be spelled into others: $(POD_NAMESPACE) in a target. */
function interpolationOnly(container: Container): Set<string> {
  const referenced = new Set(
    (container.env ?? []).flatMap((variable) => [...(variable.value ?? '').matchAll(/\$\((\w+)\)/g)].map((m) => m[1])),
  );
  return new Set([...referenced].filter((name): name is string => name !== undefined));
}

test('every Deployment selects its own pods, and every Service, PodDisruptionBudget and NetworkPolicy selects pods that exist', () => {
  for (const set of sets) {
    const all = workloads(set.objects);
    for (const workload of all) {
      assert.ok(Object.keys(workload.selector).length > 0, `${set.source}: ${workload.name} has a selector`);
      assert.ok(matches(workload.selector, workload.podLabels), `${set.source}: ${workload.name} selects its pods`);
      const others = all.filter((other) => other !== workload && matches(workload.selector, other.podLabels));
      assert.deepEqual(others, [], `${set.source}: ${workload.name}'s selector picks no other workload's pods`);
    }
    const selecting = (selector: Record<string, string>) => all.filter((w) => matches(selector, w.podLabels));
    for (const [name, spec] of servicesOf(set.objects)) {
      assert.ok(spec.selector, `${set.source}: Service ${name} has a selector`);
      assert.ok(selecting(spec.selector).length > 0, `${set.source}: Service ${name} selects pods`);
    }
    for (const object of set.objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
      const selector = (object['spec'] as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      assert.deepEqual(
        selecting(selector).map((w) => w.name),
        [object.metadata.name],
        `${set.source}: PodDisruptionBudget ${object.metadata.name} covers its Deployment`,
      );
    }
    for (const policy of policiesOf(set.objects)) {
      const selectors = [
        policy.spec.podSelector,
        ...[...(policy.spec.ingress ?? []), ...(policy.spec.egress ?? [])].flatMap((rule) =>
          [...(rule.from ?? []), ...(rule.to ?? [])]
            .filter((peer) => !peer.namespaceSelector)
            .map((peer) => peer.podSelector),
        ),
      ];
      for (const selector of selectors) {
        assert.ok(selector, `${set.source}: NetworkPolicy ${policy.name} names pods`);
        assert.ok(
          selecting(selector.matchLabels ?? {}).length > 0,
          `${set.source}: NetworkPolicy ${policy.name} selector ${JSON.stringify(selector)} matches pods`,
        );
      }
    }
  }
});

test('probes, container ports and the headless Services use the ports the services listen on (GRPC_PORT, METRICS_PORT)', () => {
  for (const set of sets) {
    const services = servicesOf(set.objects);
    for (const service of grpcServices) {
      const workload = grpcWorkload(set, service);
      const container = onlyContainer(workload);
      const config = configSchemas[service].parse(processEnv(set, workload)) as {
        GRPC_PORT: number;
        METRICS_PORT: number;
        GRPC_HOST: string;
      };
      const where = `${set.source}: ${service}`;
      assert.equal(config.GRPC_HOST, '0.0.0.0', `${where} listens on every interface`);
      assert.equal(containerPort(container, 'grpc'), config.GRPC_PORT, `${where} container port grpc`);
      assert.equal(containerPort(container, 'metrics'), config.METRICS_PORT, `${where} container port metrics`);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
        assert.equal(container[probe]?.grpc?.port, config.GRPC_PORT, `${where} ${probe} is a gRPC probe on GRPC_PORT`);
      }
      const headless = services.get(`${service}-headless`);
      assert.ok(headless, `${where}: Service ${service}-headless`);
      const [port] = headless.ports;
      assert.equal(headless.ports.length, 1, `${where}-headless has one port`);
      assert.equal(port?.targetPort, 'grpc', `${where}-headless targets the grpc container port`);
      assert.equal(port.port, config.GRPC_PORT, `${where}-headless port`);
    }
  }
});

test('every environment variable a service gets is one its configuration knows, every required one is set, and all of it parses', () => {
  for (const set of sets) {
    for (const service of grpcServices) {
      const workload = grpcWorkload(set, service);
      const container = onlyContainer(workload);
      const schema = configSchemas[service];
      const known = new Set(Object.keys(schema.shape));
      const helpers = interpolationOnly(container);
      for (const { name } of container.env ?? []) {
        assert.ok(
          known.has(name) || otelVariables.has(name) || helpers.has(name),
          `${set.source}: ${service} sets ${name}, which its configuration schema does not know`,
        );
      }
      const env = processEnv(set, workload);
      const required = Object.entries(schema.shape)
        .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
        .map(([name]) => name);
      for (const name of required) assert.ok(name in env, `${set.source}: ${service} gets the required ${name}`);
      const result = schema.safeParse(env);
      assert.ok(result.success, `${set.source}: ${service}: ${result.error?.message ?? ''}`);
      if (env['OTEL_SDK_DISABLED'] !== 'true') {
        assert.equal(env['OTEL_TRACES_SAMPLER'], 'parentbased_traceidratio', `${set.source}: ${service} sampler`);
        const ratio = Number(env['OTEL_TRACES_SAMPLER_ARG']);
        assert.ok(
          ratio >= 0 && ratio <= 1,
          `${set.source}: ${service} sampling ratio ${env['OTEL_TRACES_SAMPLER_ARG']}`,
        );
        assert.match(env['OTEL_RESOURCE_ATTRIBUTES'] ?? '', /^k8s\.pod\.name=[\w-]+,k8s\.namespace\.name=[\w-]+$/);
      }
    }
  }
});

test('with its default values the chart gives the services their own defaults, apart from what the cluster needs', () => {
  const [set] = chartSets();
  assert.ok(set);
  for (const service of grpcServices) {
    const workload = grpcWorkload(set, service);
    const env = processEnv(set, workload);
    const schema = configSchemas[service];
    const chart = schema.parse(env);
    const code = schema.parse({ JWT_SECRET: env['JWT_SECRET'] ?? '' });
    for (const name of Object.keys(env).filter((key) => key in schema.shape && !clusterSettings.has(key))) {
      assert.deepEqual(chart[name], code[name], `${service} ${name}: the chart's default is the service's`);
    }
  }
});

test('client targets name headless Services that exist, on their gRPC port, selecting the pods of the service they mean', () => {
  const targets: { service: GrpcServiceName; variable: string; callee: GrpcServiceName }[] = [
    { service: 'aggregator', variable: 'USER_TARGET', callee: 'user' },
    { service: 'aggregator', variable: 'RECOMMENDATION_TARGET', callee: 'recommendation' },
    { service: 'recommendation', variable: 'FAULT_PEERS_TARGET', callee: 'recommendation' },
    { service: 'aggregator', variable: 'DEFENSE_PEERS_TARGET', callee: 'aggregator' },
  ];
  for (const set of sets) {
    const services = servicesOf(set.objects);
    const clusterDomain = 'cluster.local';
    for (const { service, variable, callee } of targets) {
      const workload = grpcWorkload(set, service);
      const env = processEnv(set, workload);
      const where = `${set.source}: ${service} ${variable}`;
      const match = /^dns:\/\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.([a-z0-9.-]+):(\d+)$/.exec(env[variable] ?? '');
      assert.ok(match, `${where} is dns:///<service>.<namespace>.svc.<domain>:<port>: ${env[variable]}`);
      const [, name = '', targetNamespace, domain, port] = match;
      assert.equal(targetNamespace, namespaceOf(workload.object), `${where}: the pod's own namespace`);
      assert.equal(domain, clusterDomain, where);
      const target = services.get(name);
      assert.ok(target, `${where}: Service ${name} exists`);
      assert.equal(target.clusterIP, 'None', `${where}: ${name} is headless, so DNS returns every pod`);
      assert.ok(
        target.ports.some((candidate) => candidate.port === Number(port)),
        `${where}: ${name} has port ${port}`,
      );
      const calleeConfig = configSchemas[callee].parse(processEnv(set, grpcWorkload(set, callee))) as {
        GRPC_PORT: number;
      };
      assert.equal(Number(port), calleeConfig.GRPC_PORT, `${where}: the port ${callee} listens on`);
      assert.ok(
        matches(target.selector ?? {}, grpcWorkload(set, callee).podLabels),
        `${where}: ${name} selects ${callee}'s pods`,
      );
    }
    // The user store, and where spans go.
    const userEnv = processEnv(set, grpcWorkload(set, 'user'));
    const redis = /^redis:\/\/([a-z0-9-]+):(\d+)$/.exec(userEnv['REDIS_URL'] ?? '');
    assert.ok(redis, `${set.source}: REDIS_URL names a Service: ${userEnv['REDIS_URL']}`);
    assert.ok(
      services.get(redis[1] ?? '')?.ports.some((p) => p.port === Number(redis[2])),
      `${set.source}: Service ${redis[1]}:${redis[2]}`,
    );
    const otlp = userEnv['OTEL_EXPORTER_OTLP_ENDPOINT'];
    if (otlp !== undefined) {
      const url = new URL(otlp);
      assert.ok(
        services.get(url.hostname)?.ports.some((p) => p.port === Number(url.port)),
        `${set.source}: the OTLP endpoint ${otlp} is a Service port`,
      );
    }
  }
});

test('every pod has startup, readiness and liveness probes, requests and limits, and the restricted security context', () => {
  const bytes = (quantity: string | number | undefined): number => {
    const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(String(quantity ?? ''));
    assert.ok(match, `a quantity: ${quantity}`);
    const units: Record<string, number> = { m: 0.001, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
    return Number(match[1]) * (units[match[2] ?? ''] ?? 1);
  };
  for (const set of sets) {
    for (const workload of workloads(set.objects)) {
      const where = `${set.source}: ${workload.name}`;
      const podSecurity = workload.pod.securityContext;
      assert.ok(podSecurity, `${where} has a pod securityContext`);
      assert.equal(podSecurity.runAsNonRoot, true, `${where} runAsNonRoot`);
      assert.ok((podSecurity.runAsUser ?? 0) > 0, `${where} runs as a numeric non-root user`);
      assert.equal(podSecurity.seccompProfile?.type, 'RuntimeDefault', `${where} seccomp`);
      for (const container of workload.pod.containers) {
        const at = `${where}/${container.name}`;
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
          assert.ok(container[probe], `${at} has a ${probe}`);
        }
        for (const resource of ['cpu', 'memory']) {
          const request = container.resources?.requests?.[resource];
          const limit = container.resources?.limits?.[resource];
          assert.ok(request !== undefined && limit !== undefined, `${at} requests and limits ${resource}`);
          assert.ok(bytes(limit) >= bytes(request), `${at} ${resource} limit ${limit} >= request ${request}`);
        }
        const security = container.securityContext;
        assert.ok(security, `${at} has a container securityContext`);
        assert.equal(security.allowPrivilegeEscalation, false, `${at} allowPrivilegeEscalation`);
        assert.equal(security.readOnlyRootFilesystem, true, `${at} readOnlyRootFilesystem`);
        assert.deepEqual(security.capabilities, { drop: ['ALL'] }, `${at} drops every capability and adds none`);
      }
    }
  }
});

test('each gRPC service runs two or more replicas spread over nodes, has a PodDisruptionBudget, and drains within its grace period', () => {
  for (const set of sets) {
    const budgets = new Set(set.objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name));
    const grpc = workloads(set.objects).filter(isGrpcService);
    assert.deepEqual(grpc.map((w) => w.name).sort(), [...grpcServices].sort(), set.source);
    for (const workload of grpc) {
      const where = `${set.source}: ${workload.name}`;
      assert.ok(workload.replicas >= 2, `${where} has ${workload.replicas} replicas`);
      assert.ok(budgets.has(workload.name), `${where} has a PodDisruptionBudget`);
      const spread = workload.pod.topologySpreadConstraints ?? [];
      assert.ok(
        spread.some(
          (c) =>
            c.topologyKey === 'kubernetes.io/hostname' &&
            matches(c.labelSelector?.matchLabels ?? {}, workload.podLabels),
        ),
        `${where} spreads its pods over nodes`,
      );
      const container = onlyContainer(workload);
      const config = configSchemas[workload.name as GrpcServiceName].parse(processEnv(set, workload)) as {
        SHUTDOWN_GRACE_MS: number;
        SHUTDOWN_DELAY_MS: number;
      };
      const pause = container.lifecycle?.preStop?.sleep?.seconds;
      assert.ok(pause !== undefined && pause > 0, `${where} pauses before SIGTERM (preStop sleep)`);
      const needed = pause + (config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_GRACE_MS) / 1000;
      const grace = workload.pod.terminationGracePeriodSeconds ?? 30;
      assert.ok(
        grace > needed,
        `${where}: terminationGracePeriodSeconds ${grace} > preStop ${pause} s + drain ${needed - pause} s`,
      );
    }
  }
});

interface PolicyPeer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string };
}
interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: { protocol?: string; port?: number | string }[];
}
interface Policy {
  name: string;
  namespace: string;
  spec: {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: ('Ingress' | 'Egress')[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
  };
}

function policiesOf(objects: KubernetesObject[]): Policy[] {
  return objects
    .filter((object) => object.kind === 'NetworkPolicy')
    .map((object) => ({
      name: object.metadata.name,
      namespace: namespaceOf(object),
      spec: object['spec'] as Policy['spec'],
    }));
}

interface ModelPod {
  name: string;
  namespace: string;
  namespaceLabels: Record<string, string>;
  labels: Record<string, string>;
  ports: { name?: string; port: number; protocol: string }[];
}

/**
 * Whether NetworkPolicy lets `source` open a connection to `port` of
 * `destination`: the destination's ingress and the source's egress must
 * both allow it (a pod that no policy selects for a direction is open in it).
 */
function allowed(policies: Policy[], source: ModelPod, destination: ModelPod, port: number, protocol: string): boolean {
  const peerMatches = (peer: PolicyPeer, pod: ModelPod, policyNamespace: string) =>
    !peer.ipBlock &&
    (peer.namespaceSelector
      ? matches(peer.namespaceSelector.matchLabels ?? {}, pod.namespaceLabels)
      : pod.namespace === policyNamespace) &&
    matches(peer.podSelector?.matchLabels ?? {}, pod.labels);
  const portMatches = (rule: PolicyRule) =>
    (rule.ports ?? []).length === 0 ||
    (rule.ports ?? []).some(
      (p) =>
        (p.protocol ?? 'TCP') === protocol &&
        (p.port === undefined ||
          p.port === port ||
          destination.ports.some((named) => named.name === p.port && named.port === port)),
    );
  const direction = (pod: ModelPod, type: 'Ingress' | 'Egress', peer: ModelPod) => {
    const selecting = policies.filter(
      (policy) =>
        policy.namespace === pod.namespace &&
        policy.spec.policyTypes.includes(type) &&
        matches(policy.spec.podSelector.matchLabels ?? {}, pod.labels),
    );
    return (
      selecting.length === 0 ||
      selecting.some((policy) =>
        (type === 'Ingress' ? (policy.spec.ingress ?? []) : (policy.spec.egress ?? [])).some((rule) => {
          const peers = type === 'Ingress' ? rule.from : rule.to;
          return (
            ((peers ?? []).length === 0 || (peers ?? []).some((p) => peerMatches(p, peer, policy.namespace))) &&
            portMatches(rule)
          );
        }),
      )
    );
  };
  return direction(destination, 'Ingress', source) && direction(source, 'Egress', destination);
}

test('NetworkPolicies allow exactly the calls the system makes, DNS, and nothing else', () => {
  for (const set of sets) {
    const policies = policiesOf(set.objects);
    assert.ok(policies.length > 0, `${set.source} has NetworkPolicies`);
    const namespaceLabels = { 'kubernetes.io/metadata.name': defaultNamespace };
    const pods: ModelPod[] = workloads(set.objects).map((workload) => ({
      name: workload.name,
      namespace: namespaceOf(workload.object),
      namespaceLabels,
      labels: workload.podLabels,
      ports: workload.pod.containers.flatMap((c) =>
        (c.ports ?? []).map((p) => ({
          ...(p.name ? { name: p.name } : {}),
          port: p.containerPort,
          protocol: p.protocol ?? 'TCP',
        })),
      ),
    }));
    const client: ModelPod = {
      name: 'client',
      namespace: 'elsewhere',
      namespaceLabels: { 'kubernetes.io/metadata.name': 'elsewhere' },
      labels: { app: 'client' },
      ports: [{ port: 443, protocol: 'TCP' }],
    };
    const dns: ModelPod = {
      name: 'kube-dns',
      namespace: 'kube-system',
      namespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
      labels: { 'k8s-app': 'kube-dns' },
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    };
    const grpcPort = 50051;
    const metricsPort = 9464;
    const calls = new Set([
      `client -> aggregator:${grpcPort}`,
      `aggregator -> user:${grpcPort}`,
      `aggregator -> recommendation:${grpcPort}`,
      `recommendation -> recommendation:${grpcPort}`,
      `aggregator -> aggregator:${grpcPort}`,
      'client -> console:8080',
      'client -> gateway:8080',
      ...grpcServices.map((service) => `gateway -> ${service}:${grpcPort}`),
      `prometheus -> gateway:${metricsPort}`,
      `console -> aggregator:${grpcPort}`,
      `console -> recommendation:${grpcPort}`,
      ...grpcServices.map((service) => `console -> ${service}:${metricsPort}`),
      // GATEWAY_METRICS_TARGET: the control room's chart of the gateway's calls.
      `console -> gateway:${metricsPort}`,
      'console -> jaeger:16686',
      'user -> redis:6379',
      ...grpcServices.map((service) => `prometheus -> ${service}:${metricsPort}`),
      ...pods.map((pod) => `${pod.name} -> jaeger:4317`),
      'grafana -> prometheus:9090',
      'grafana -> jaeger:16686',
    ]);
    const unexpected: string[] = [];
    const missing: string[] = [];
    for (const source of [client, ...pods]) {
      for (const destination of pods) {
        for (const { port, protocol } of destination.ports) {
          const call = `${source.name} -> ${destination.name}:${port}`;
          const isAllowed = allowed(policies, source, destination, port, protocol);
          if (isAllowed && !calls.has(call)) unexpected.push(call);
          if (!isAllowed && calls.has(call)) missing.push(call);
        }
      }
    }
    assert.deepEqual(unexpected, [], `${set.source}: allowed, though the system makes no such call`);
    assert.deepEqual(missing, [], `${set.source}: denied, though the system makes the call`);
    for (const pod of pods) {
      for (const protocol of ['UDP', 'TCP']) {
        assert.ok(
          allowed(policies, pod, dns, 53, protocol),
          `${set.source}: ${pod.name} resolves names over ${protocol}`,
        );
      }
      assert.ok(
        !allowed(policies, pod, client, 443, 'TCP'),
        `${set.source}: ${pod.name} cannot reach out of the system`,
      );
    }
  }
});

interface SkaffoldConfig {
  apiVersion: string;
  build: { artifacts: { image: string; custom: { buildCommand: string; dependencies: { paths: string[] } } }[] };
  deploy: { helm: { releases: { chartPath: string; namespace: string; setValueTemplates: Record<string, string> }[] } };
  portForward: { resourceType: string; resourceName: string; namespace: string; port: number; localPort: number }[];
  profiles: { name: string; activation?: { kubeContext?: string }[]; patches?: { path: string; value?: unknown }[] }[];
}

const skaffold = parse(readFileSync(paths.skaffold, 'utf8')) as SkaffoldConfig;
const skaffoldSchema = join(repoRoot, '../shared/schemas/skaffold-v4beta14.json');

test(
  'skaffold.yaml is valid against skaffold’s published schema for v4beta14',
  { skip: existsSync(skaffoldSchema) ? false : `${skaffoldSchema} is not here` },
  () => {
    assert.equal(skaffold.apiVersion, 'skaffold/v4beta14');
    // The schema's own annotations for editors, not validation keywords.
    const ajv = new Ajv({ allErrors: true }).addVocabulary(['preferredOrder', 'x-intellij-html-description']);
    const validate = ajv.compile(JSON.parse(readFileSync(skaffoldSchema, 'utf8')) as object);
    const valid = validate(skaffold);
    assert.ok(valid, ajv.errorsText(validate.errors, { separator: '\n' }));
  },
);

test('skaffold builds the images the chart deploys, from the Dockerfile’s targets, and forwards ports of Services the chart makes', () => {
  const values = parse(readFileSync(join(paths.chart, 'values.yaml'), 'utf8')) as Record<
    string,
    { image?: { repository: string } }
  >;
  const dockerfile = readFileSync(paths.dockerfile, 'utf8');
  const [release] = skaffold.deploy.helm.releases;
  assert.ok(release);
  assert.equal(release.chartPath, 'helm/grpc-demo');
  const imaged = [...grpcServices, 'console'];
  for (const service of imaged) {
    const repository = values[service]?.image?.repository;
    const artifact = skaffold.build.artifacts.find((candidate) => candidate.image === repository);
    assert.ok(artifact, `skaffold builds ${repository}, the chart's ${service} image`);
    assert.equal(
      artifact.custom.buildCommand,
      `sh scripts/build-image.sh ${service}`,
      `${repository} is the Dockerfile's ${service} target`,
    );
    assert.match(dockerfile, new RegExp(`^FROM \\S+ AS ${service}$`, 'm'), `the Dockerfile has a ${service} stage`);
    // The image's inputs: its own service, and no other service's sources.
    const inputs = artifact.custom.dependencies.paths;
    assert.ok(inputs.includes(`services/${service}`), `${repository} is rebuilt when services/${service} changes`);
    for (const other of imaged.filter((name) => name !== service)) {
      assert.ok(!inputs.includes(`services/${other}`), `${repository} does not depend on services/${other}`);
    }
    // skaffold's template names: the image name with every character outside [A-Za-z0-9] as _.
    const key = artifact.image.replace(/[^A-Za-z0-9]/g, '_');
    assert.equal(release.setValueTemplates[`${service}.image.repository`], `{{.IMAGE_REPO_${key}}}`);
    assert.equal(release.setValueTemplates[`${service}.image.tag`], `{{.IMAGE_TAG_${key}}}`);
    assert.equal(release.setValueTemplates[`${service}.image.digest`], `{{.IMAGE_DIGEST_${key}}}`);
  }
  assert.equal(skaffold.build.artifacts.length, imaged.length, 'no other image');

  const [chart] = chartSets();
  assert.ok(chart);
  const services = servicesOf(chart.objects);
  const forwarded = skaffold.portForward.map((forward) => {
    assert.equal(forward.resourceType, 'service');
    // The release's namespace: SKAFFOLD_NAMESPACE moves both.
    assert.equal(forward.namespace, `{{ index . "SKAFFOLD_NAMESPACE" | default "${release.namespace}" }}`);
    assert.ok(
      services.get(forward.resourceName)?.ports.some((port) => port.port === forward.port),
      `Service ${forward.resourceName} has port ${forward.port}`,
    );
    return `${forward.resourceName}:${forward.localPort}`;
  });
  assert.deepEqual(forwarded.sort(), [
    'aggregator-headless:50051',
    'console:8080',
    'gateway:8081',
    'grafana:3000',
    'jaeger:16686',
    'prometheus:9090',
  ]);

  for (const profile of ['kind', 'minikube']) {
    const patches = skaffold.profiles.find((candidate) => candidate.name === profile)?.patches ?? [];
    const valuesFiles = patches.find((patch) => patch.path === '/deploy/helm/releases/0/valuesFiles')?.value;
    assert.deepEqual(
      valuesFiles,
      [`helm/grpc-demo/values-${profile}.yaml`],
      `the ${profile} profile deploys with its values`,
    );
    assert.ok(existsSync(join(repoRoot, `helm/grpc-demo/values-${profile}.yaml`)));
  }
});

test('the kind cluster config makes the cluster the Makefile and skaffold expect, with worker nodes to spread over', () => {
  const cluster = parse(readFileSync(paths.kindCluster, 'utf8')) as {
    kind: string;
    apiVersion: string;
    name: string;
    nodes: { role: string }[];
  };
  assert.equal(cluster.kind, 'Cluster');
  assert.equal(cluster.apiVersion, 'kind.x-k8s.io/v1alpha4');
  assert.equal(cluster.name, makeVariable('KIND_CLUSTER'));
  assert.deepEqual(Object.keys(cluster).sort(), ['apiVersion', 'kind', 'name', 'nodes']);
  assert.deepEqual(
    cluster.nodes.map((node) => node.role),
    ['control-plane', 'worker', 'worker'],
  );
  const activation = skaffold.profiles.find((profile) => profile.name === 'kind')?.activation?.[0]?.kubeContext;
  assert.ok(activation && new RegExp(`^${activation}$`).test(`kind-${cluster.name}`), 'the kind profile switches on');
});

test('make port-forward puts the cluster on the ports of make run, so make token, make load and make fault-on work against it', () => {
  const [chart] = chartSets();
  assert.ok(chart);
  const services = servicesOf(chart.objects);
  for (const forward of clusterForwards) {
    assert.ok(
      services.get(forward.service)?.ports.some((port) => port.port === forward.port),
      `Service ${forward.service} has port ${forward.port}`,
    );
  }
  const localPortOf = (service: string) => clusterForwards.find((forward) => forward.service === service)?.localPort;
  assert.equal(localPortOf('aggregator-headless'), localPorts.aggregator.grpc, 'make load and grpcurl: the aggregator');
  assert.equal(localPortOf('user-headless'), localPorts.user.grpc);
  assert.equal(
    localPortOf('recommendation-headless'),
    localPorts.recommendationA.grpc,
    'make fault-on’s default FAULT_TARGET',
  );
  assert.equal(localPortOf('console'), localConsolePorts.http, 'the control room where make run puts it');
  assert.equal(localPortOf('gateway'), localGatewayPorts.http, 'the REST gateway where make run puts it');
  for (const forward of skaffold.portForward) {
    assert.ok(
      clusterForwards.some((ours) => ours.service === forward.resourceName && ours.localPort === forward.localPort),
      `skaffold and make port-forward agree on ${forward.resourceName}`,
    );
  }
});

test('the console gets only variables its configuration knows, listens where its probes, ports and Service look, and reaches every replica through headless Services', () => {
  for (const set of sets) {
    const workload = workloads(set.objects).find((candidate) => candidate.name === 'console');
    assert.ok(workload, `${set.source}: a console Deployment`);
    const container = onlyContainer(workload);
    const helpers = interpolationOnly(container);
    const known = new Set(Object.keys(consoleSchema.shape));
    for (const { name } of container.env ?? []) {
      assert.ok(
        known.has(name) || otelVariables.has(name) || helpers.has(name),
        `${set.source}: console sets ${name}, which its configuration schema does not know`,
      );
    }
    const env = processEnv(set, workload);
    const parsed = consoleSchema.safeParse(env);
    assert.ok(parsed.success, `${set.source}: console: ${parsed.error?.message ?? ''}`);
    const config = parsed.data as { HTTP_HOST: string; HTTP_PORT: number; METRICS_PORT: number } & Record<
      string,
      string
    >;
    const where = `${set.source}: console`;
    assert.equal(config.HTTP_HOST, '0.0.0.0', `${where} listens on every interface`);
    assert.equal(containerPort(container, 'http'), config.HTTP_PORT, `${where} container port http`);
    assert.equal(containerPort(container, 'metrics'), config.METRICS_PORT, `${where} container port metrics`);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
      assert.equal(container[probe]?.httpGet?.port, 'http', `${where} ${probe} is an HTTP probe on the http port`);
    }
    const services = servicesOf(set.objects);
    const page = services.get('console');
    assert.ok(page, `${where}: Service console`);
    assert.ok(matches(page.selector ?? {}, workload.podLabels), `${where}: Service console selects the console`);
    assert.deepEqual(
      page.ports.map((port) => [port.port, port.targetPort]),
      [[8080, 'http']],
      `${where}: Service console forwards 8080 to the page`,
    );

    // Every replica of each service, by the headless Service's DNS answers, on the port it listens on.
    const targets: { variable: string; callee: GrpcServiceName; port: 'GRPC_PORT' | 'METRICS_PORT' }[] = [
      { variable: 'AGGREGATOR_TARGET', callee: 'aggregator', port: 'GRPC_PORT' },
      { variable: 'RECOMMENDATION_TARGET', callee: 'recommendation', port: 'GRPC_PORT' },
      { variable: 'AGGREGATOR_METRICS_TARGET', callee: 'aggregator', port: 'METRICS_PORT' },
      { variable: 'USER_METRICS_TARGET', callee: 'user', port: 'METRICS_PORT' },
      { variable: 'RECOMMENDATION_METRICS_TARGET', callee: 'recommendation', port: 'METRICS_PORT' },
    ];
    for (const { variable, callee, port } of targets) {
      const match = /^dns:\/\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)$/.exec(env[variable] ?? '');
      assert.ok(match, `${where} ${variable} is dns:///<service>.<namespace>.svc.<domain>:<port>: ${env[variable]}`);
      const [, name = '', namespace, targetPort] = match;
      assert.equal(namespace, namespaceOf(workload.object), `${where} ${variable}: its own namespace`);
      const target = services.get(name);
      assert.equal(target?.clusterIP, 'None', `${where} ${variable}: ${name} is a headless Service`);
      const calleeWorkload = grpcWorkload(set, callee);
      assert.ok(matches(target.selector ?? {}, calleeWorkload.podLabels), `${where} ${variable}: selects ${callee}`);
      const calleeConfig = configSchemas[callee].parse(processEnv(set, calleeWorkload)) as Record<string, number>;
      assert.equal(Number(targetPort), calleeConfig[port], `${where} ${variable}: the ${port} of ${callee}`);
    }
  }
});

/** The parts of Envoy's bootstrap (the gateway's generated configuration) these checks read. */
interface EnvoyBootstrap {
  admin: { address: { socket_address: { address: string; port_value: number } } };
  static_resources: {
    listeners: {
      name: string;
      address: { socket_address: { address: string; port_value: number | string } };
      filter_chains: { filters: { typed_config: { http_filters?: { name: string; typed_config: unknown }[] } }[] }[];
    }[];
    clusters: {
      name: string;
      cluster_type?: { name: string };
      load_assignment: {
        endpoints: { lb_endpoints: { endpoint: { address: { socket_address: SocketAddress } } }[] }[];
      };
    }[];
  };
}
interface SocketAddress {
  address: string;
  port_value: number | string;
}

function gatewayConfig(set: RenderedSet): { text: string; config: EnvoyBootstrap; keys: string[] } {
  const configMap = set.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'gateway-config');
  assert.ok(configMap, `${set.source}: the ConfigMap gateway-config`);
  const data = (configMap['data'] ?? {}) as Record<string, string>;
  const binary = (configMap['binaryData'] ?? {}) as Record<string, string>;
  const text = data['envoy.yaml'] ?? '';
  return { text, config: parse(text) as EnvoyBootstrap, keys: [...Object.keys(data), ...Object.keys(binary)] };
}

function httpFilter(config: EnvoyBootstrap, listener: string, filter: string): Record<string, unknown> {
  const found = config.static_resources.listeners
    .find((candidate) => candidate.name === listener)
    ?.filter_chains.flatMap((chain) => chain.filters)
    .flatMap((f) => f.typed_config.http_filters ?? [])
    .find((candidate) => candidate.name === filter);
  assert.ok(found, `the ${listener} listener has ${filter}`);
  return found.typed_config as Record<string, unknown>;
}

test('the gateway listens where its probes, ports and Service look, reads the files its volumes hold, and sends each route to the headless Service of the pods that serve it', () => {
  for (const set of sets) {
    const where = `${set.source}: gateway`;
    const workload = workloads(set.objects).find((candidate) => candidate.name === 'gateway');
    assert.ok(workload, `${where}: a Deployment`);
    const container = onlyContainer(workload);
    const pod = workload.pod as PodSpec & {
      volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string; items?: unknown } }[];
    };
    const mounts = (container as Container & { volumeMounts: { name: string; mountPath: string }[] }).volumeMounts;
    const args = (container as Container & { args: string[] }).args;
    const { text, config, keys } = gatewayConfig(set);

    // Ports: the listeners, the container's ports, the probes, the Service.
    const listenerPort = (name: string) =>
      Number(config.static_resources.listeners.find((l) => l.name === name)?.address.socket_address.port_value);
    assert.equal(containerPort(container, 'http'), listenerPort('rest'), `${where}: container port http`);
    assert.equal(containerPort(container, 'ready'), listenerPort('ready'), `${where}: container port ready`);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
      assert.deepEqual(container[probe]?.httpGet, { path: '/ready', port: 'ready' }, `${where} ${probe}`);
    }
    assert.equal(config.admin.address.socket_address.address, '127.0.0.1', `${where}: admin on loopback only`);
    const service = servicesOf(set.objects).get('gateway');
    assert.ok(service && matches(service.selector ?? {}, workload.podLabels), `${where}: Service gateway selects it`);
    assert.notEqual(service.clusterIP, 'None', `${where}: a ClusterIP Service (Envoy balances per call itself)`);
    assert.deepEqual(
      service.ports.map((port) => [port.port, port.targetPort]),
      [[8080, 'http']],
      where,
    );

    // Files: the configuration, the descriptor set and the JWKS where the volumes put them.
    const mountOf = (volume: string) => mounts.find((mount) => mount.name === volume)?.mountPath;
    const configVolume = pod.volumes.find((volume) => volume.configMap?.name === 'gateway-config');
    assert.ok(configVolume, `${where}: mounts the ConfigMap`);
    const configDir = mountOf(configVolume.name) ?? '(not mounted)';
    assert.equal(args[args.indexOf('--config-path') + 1], `${configDir}/envoy.yaml`, `${where}: reads envoy.yaml`);
    const transcoder = httpFilter(config, 'rest', 'envoy.filters.http.grpc_json_transcoder');
    assert.ok(String(transcoder['proto_descriptor']).startsWith(`${configDir}/`), `${where}: the descriptor set`);
    // Every file the configuration names in the ConfigMap's directory is one of its keys.
    const named = [...text.matchAll(new RegExp(`${configDir}/([\\w.-]+)`, 'g'))].map((m) => m[1] ?? '');
    assert.ok(named.includes('descriptor-set.binpb'), `${where}: names the descriptor set`);
    for (const file of named) assert.ok(keys.includes(file), `${where}: ${configDir}/${file} is in the ConfigMap`);
    const jwt = httpFilter(config, 'rest', 'envoy.filters.http.jwt_authn') as {
      providers: Record<string, { local_jwks: { filename?: string } }>;
    };
    const jwksFile = Object.values(jwt.providers)[0]?.local_jwks.filename ?? '';
    const jwksVolume = pod.volumes.find((volume) => volume.secret);
    assert.ok(jwksVolume?.secret, `${where}: mounts a Secret`);
    assert.equal(jwksVolume.secret.secretName, 'grpc-demo-jwt', `${where}: the JWT Secret`);
    assert.deepEqual(jwksVolume.secret.items, [{ key: 'jwks.json', path: 'jwks.json' }], `${where}: its JWKS alone`);
    assert.equal(jwksFile, `${mountOf(jwksVolume.name)}/jwks.json`, `${where}: jwt_authn reads the mounted JWKS`);
    if (set.hasJwtSecret) {
      const secret = set.objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'grpc-demo-jwt');
      const key = Buffer.from((secret?.['data'] as Record<string, string>)['JWT_SECRET'] ?? '', 'base64').toString();
      assert.ok(key.length >= 32 && !text.includes(key), `${where}: the ConfigMap holds no secret`);
    }

    // Routes: each cluster resolves the headless Service of its service's pods, on the port they listen on.
    const clusters = config.static_resources.clusters;
    for (const service of grpcServices) {
      assert.ok(
        clusters.some((c) => c.name === service),
        `${where}: a cluster for ${service}`,
      );
    }
    for (const cluster of clusters) {
      const endpoints = cluster.load_assignment.endpoints.flatMap((e) => e.lb_endpoints);
      if (!grpcServices.includes(cluster.name as GrpcServiceName)) {
        // Anything else it reaches is on its own loopback (the admin interface) or a Service of the release.
        for (const { endpoint } of endpoints) {
          const { address, port_value } = endpoint.address.socket_address;
          assert.ok(
            address === '127.0.0.1' ||
              servicesOf(set.objects)
                .get(address)
                ?.ports.some((p) => p.port === Number(port_value)),
            `${where}: cluster ${cluster.name} reaches ${address}:${port_value}, a Service port of the release`,
          );
        }
        continue;
      }
      const callee = cluster.name as GrpcServiceName;
      assert.equal(cluster.cluster_type?.name, 'envoy.clusters.dns', `${where}: ${callee} resolved by DNS`);
      assert.equal(endpoints.length, 1, `${where}: ${callee} is one name`);
      const { address, port_value } = endpoints[0]?.endpoint.address.socket_address ?? { address: '', port_value: 0 };
      const headless = servicesOf(set.objects).get(address);
      assert.equal(headless?.clusterIP, 'None', `${where}: ${address} is a headless Service`);
      const calleeWorkload = grpcWorkload(set, callee);
      assert.ok(matches(headless.selector ?? {}, calleeWorkload.podLabels), `${where}: ${address} selects ${callee}`);
      const calleeConfig = configSchemas[callee].parse(processEnv(set, calleeWorkload)) as { GRPC_PORT: number };
      assert.equal(Number(port_value), calleeConfig.GRPC_PORT, `${where}: ${callee}'s GRPC_PORT`);
    }
  }
});
