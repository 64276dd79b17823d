import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { jwks } from '@demo/gateway';
import { validateConfig } from '@demo/testkit/envoy-process';
import {
  chartObjects,
  environments,
  helmTemplate,
  jwtSecretName,
  namespace,
  objectKey,
  parseObjects,
  renderChartFiles,
  renderManifests,
  valuesFile,
  type KubernetesObject,
} from '../src/cluster/manifests.js';
import { runCommandSync } from '@demo/testkit/processes';
import { kubernetesSchemas } from '../src/cluster/kubernetes-schemas.js';
import { kubernetesVersion, paths, runTool } from '../src/cluster/toolchain.js';
import { kustomizeBuild } from './cluster-objects.js';

// The chart and k8s/ checked with the tools a cluster would use, without a
// cluster: helm itself, and kubeconform against the Kubernetes API schema of
// the pinned release (see kubernetes-schemas.ts for where it comes from).

interface KubeconformReport {
  resources?: { filename: string; kind: string; name: string; status: string; msg: string }[];
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

/** kubeconform -strict: unknown fields, wrong types, missing required fields and duplicate keys all fail. */
function kubeconform(yamlText: string): { status: number | null; report: KubeconformReport } {
  const { location } = kubernetesSchemas();
  const result = runTool(
    'kubeconform',
    [
      '-strict',
      '-summary',
      '-output',
      'json',
      '-kubernetes-version',
      kubernetesVersion(),
      '-schema-location',
      location,
      '-',
    ],
    { input: yamlText },
  );
  return { status: result.status, report: JSON.parse(result.stdout) as KubeconformReport };
}

function assertValidKubernetes(yamlText: string, source: string): void {
  const { status, report } = kubeconform(yamlText);
  const problems = (report.resources ?? []).map((resource) => `${resource.kind}/${resource.name}: ${resource.msg}`);
  assert.deepEqual(problems, [], source);
  assert.equal(status, 0, source);
  const documents = parseObjects(yamlText).length;
  assert.ok(documents > 0, `${source} renders objects`);
  assert.deepEqual(report.summary, { valid: documents, invalid: 0, errors: 0, skipped: 0 }, source);
}

const valueSets = [
  { name: 'default', files: [] as string[], set: [] as string[] },
  ...environments.map((environment) => ({ name: environment, files: [valuesFile(environment)], set: [] as string[] })),
  {
    name: 'every optional part off',
    files: [],
    set: [
      'jaeger.enabled=false',
      'prometheus.enabled=false',
      'grafana.enabled=false',
      'networkPolicies.enabled=false',
      'console.enabled=false',
      'gateway.enabled=false',
    ],
  },
  {
    name: 'Redis on a PersistentVolumeClaim',
    files: [],
    set: [
      'redis.persistence.persistentVolumeClaim.enabled=true',
      'redis.persistence.persistentVolumeClaim.storageClassName=standard',
    ],
  },
];

test('helm lint --strict passes for the chart with its default, kind and minikube values, and with every optional part off', () => {
  for (const { name, files, set } of valueSets) {
    const result = runTool('helm', [
      'lint',
      '--strict',
      paths.chart,
      '--kube-version',
      kubernetesVersion(),
      ...files.flatMap((file) => ['--values', file]),
      ...set.flatMap((pair) => ['--set', pair]),
    ]);
    assert.equal(result.status, 0, `${name} values:\n${result.stdout}${result.stderr}`);
  }
});

test('the values schema rejects a wrong type, and an unknown key such as a typo, before anything renders', () => {
  const render = (pair: string) =>
    runTool('helm', ['template', 'grpc-demo', paths.chart, '--kube-version', kubernetesVersion(), '--set', pair]);
  const wrongType = render('user.replicas=two');
  assert.notEqual(wrongType.status, 0);
  assert.match(wrongType.stderr, /\/user\/replicas.*got string, want integer/);
  const typo = render('aggregator.resilience.enable=false');
  assert.notEqual(typo.status, 0);
  assert.match(typo.stderr, /additional properties 'enable' not allowed/);
  assert.equal(render('aggregator.resilience.enabled=false').status, 0, 'the correctly spelled key renders');
});

test('kubeconform with the generated schemas rejects an unknown field and a wrong type, as the API server would', () => {
  const deployment = parseObjects(helmTemplate()).find((object) => objectKey(object) === 'Deployment/user');
  assert.ok(deployment);
  const unknownField = structuredClone(deployment);
  (unknownField['spec'] as Record<string, unknown>)['replica'] = 2;
  const wrongType = structuredClone(deployment);
  (wrongType['spec'] as Record<string, unknown>)['replicas'] = 'two';
  for (const [what, object] of [
    ['unknown field', unknownField],
    ['wrong type', wrongType],
  ] as const) {
    const { status, report } = kubeconform(stringify(object));
    assert.notEqual(status, 0, what);
    assert.equal(report.summary.invalid, 1, what);
  }
});

test('every object the chart renders, with default, kind and minikube values and with every optional part off, is valid Kubernetes (kubeconform -strict)', () => {
  for (const { name, files, set } of valueSets) {
    assertValidKubernetes(helmTemplate({ valuesFiles: files, set }), `chart with ${name} values`);
  }
});

test('every object of each k8s/ overlay, as kubectl kustomize builds it, is valid Kubernetes (kubeconform -strict)', () => {
  for (const environment of environments) {
    assertValidKubernetes(kustomizeBuild(`overlays/${environment}`), `k8s/overlays/${environment}`);
  }
});

test('k8s/ is exactly what make manifests renders from the chart', () => {
  const expected = renderManifests();
  for (const [path, content] of expected) {
    let onDisk: string | undefined;
    try {
      onDisk = readFileSync(join(paths.k8s, path), 'utf8');
    } catch {
      onDisk = undefined;
    }
    assert.equal(onDisk, content, `k8s/${path} is stale: run make manifests`);
  }
  const generated = ['base', 'overlays'].flatMap((dir) =>
    readdirSync(join(paths.k8s, dir), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(paths.k8s, join(entry.parentPath, entry.name))),
  );
  assert.deepEqual(
    generated.sort(),
    [...expected.keys()].sort(),
    'k8s/ holds no file that make manifests did not write',
  );
});

test('the chart’s generated files (the gateway’s Envoy configuration and descriptor set) are exactly what make manifests writes', () => {
  for (const [path, content] of renderChartFiles()) {
    let onDisk: Buffer | undefined;
    try {
      onDisk = readFileSync(join(paths.chart, path));
    } catch {
      onDisk = undefined;
    }
    assert.ok(onDisk?.equals(Buffer.from(content)), `helm/grpc-demo/${path} is stale: run make manifests`);
  }
});

test('Envoy accepts the gateway configuration the chart renders (envoy --mode validate), with the descriptor set of its ConfigMap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-chart-'));
  try {
    const configMap = parseObjects(helmTemplate()).find((object) => objectKey(object) === 'ConfigMap/gateway-config');
    assert.ok(configMap, 'the chart renders the ConfigMap gateway-config');
    // Every file of the ConfigMap and the JWKS where the pod's volumes put them, here.
    const data = configMap['data'] as Record<string, string>;
    for (const [file, content] of Object.entries(data)) writeFileSync(join(dir, file), content);
    for (const [file, content] of Object.entries(configMap['binaryData'] as Record<string, string>)) {
      writeFileSync(join(dir, file), Buffer.from(content, 'base64'));
    }
    mkdirSync(join(dir, 'jwt'));
    writeFileSync(join(dir, 'jwt/jwks.json'), JSON.stringify(jwks('a-key-of-at-least-32-characters-for-the-test')));
    const text = (data['envoy.yaml'] ?? '')
      .replaceAll('/etc/envoy-jwt/', `${join(dir, 'jwt')}/`)
      .replaceAll('/etc/envoy/', `${dir}/`);
    assert.match(text, /port_value: "50051"/, 'tpl filled in the services’ gRPC port');
    const result = validateConfig(parse(text) as object);
    assert.ok(result.ok, result.output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the JWT Secret carries the same key as a JWKS (jwks.json), which the gateway mounts: Envoy checks tokens with the services’ key', () => {
  const secret = parseObjects(helmTemplate()).find((object) => objectKey(object) === `Secret/${jwtSecretName}`);
  const data = secret?.['data'] as Record<string, string>;
  const key = Buffer.from(data['JWT_SECRET'] ?? '', 'base64').toString('utf8');
  const rendered = JSON.parse(Buffer.from(data['jwks.json'] ?? '', 'base64').toString('utf8')) as unknown;
  assert.deepEqual(rendered, jwks(key), 'the gateway generator’s JWKS of the same key');
});

test('each k8s/ overlay builds exactly the objects the chart renders with that overlay’s values', () => {
  const inNamespace = (object: KubernetesObject): KubernetesObject =>
    object.kind === 'Namespace' ? object : { ...object, metadata: { ...object.metadata, namespace } };
  for (const environment of environments) {
    const built = new Map(
      parseObjects(kustomizeBuild(`overlays/${environment}`))
        .filter((object) => object.kind !== 'Namespace')
        .map((object) => [objectKey(object), object]),
    );
    const chart = chartObjects(environment).map(inNamespace);
    assert.deepEqual([...built.keys()].sort(), chart.map(objectKey).sort(), environment);
    for (const object of chart)
      assert.deepEqual(built.get(objectKey(object)), object, `${environment}: ${objectKey(object)}`);
  }
});

test('the chart’s Redis keeps every write in an append-only file on its data volume: an emptyDir by default, a claim when asked', () => {
  const redisOf = (set: string[]) => {
    const objects = parseObjects(helmTemplate({ set }));
    const deployment = objects.find((object) => objectKey(object) === 'Deployment/redis');
    assert.ok(deployment);
    const pod = (deployment['spec'] as { template: { spec: Record<string, unknown> } }).template.spec as {
      containers: { args: string[]; volumeMounts: { name: string; mountPath: string }[] }[];
      volumes: Record<string, unknown>[];
    };
    return { objects, pod, container: pod.containers[0] };
  };
  const byDefault = redisOf([]);
  const args = byDefault.container?.args.join(' ') ?? '';
  assert.match(args, /--appendonly yes/);
  assert.match(args, /--dir \/data/);
  assert.deepEqual(byDefault.container?.volumeMounts, [{ name: 'data', mountPath: '/data' }]);
  assert.deepEqual(byDefault.pod.volumes, [{ name: 'data', emptyDir: { sizeLimit: '256Mi' } }]);
  assert.ok(!byDefault.objects.some((object) => object.kind === 'PersistentVolumeClaim'));

  const claimed = redisOf(['redis.persistence.persistentVolumeClaim.enabled=true', 'redis.persistence.size=1Gi']);
  assert.deepEqual(claimed.pod.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'redis-data' } }]);
  const claim = claimed.objects.find((object) => objectKey(object) === 'PersistentVolumeClaim/redis-data');
  assert.ok(claim, 'the claim is rendered');
  assert.deepEqual(claim['spec'], { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
});

test('the chart generates the JWT Secret at install: a random 48-character key, which kubectl users create themselves', () => {
  const generatedKey = () => {
    const secret = parseObjects(helmTemplate()).find((object) => objectKey(object) === `Secret/${jwtSecretName}`);
    assert.ok(secret, 'the chart renders the Secret');
    const data = secret['data'] as Record<string, string>;
    return Buffer.from(data['JWT_SECRET'] ?? '', 'base64').toString('utf8');
  };
  const [first, second] = [generatedKey(), generatedKey()];
  assert.match(first, /^[A-Za-z0-9]{48}$/);
  assert.notEqual(first, second, 'a fresh key each time: without a cluster, lookup finds no Secret to keep');
  const k8s = readFileSync(join(paths.k8s, 'base/grpc-demo.yaml'), 'utf8');
  assert.ok(!parseObjects(k8s).some((object) => object.kind === 'Secret'), 'k8s/ holds no key');
});

/** promtool, from Debian's prometheus package (which .ci/run installs). */
function promtool(args: string[]): { status: number | null; output: string } {
  return runCommandSync('promtool', args, { timeoutMs: 60_000, allowFailure: true });
}

interface Dashboard {
  panels: { title: string; datasource?: { uid: string }; targets?: { expr: string; datasource?: { uid: string } }[] }[];
}

test('promtool accepts the Prometheus configuration the chart renders and every query of the Grafana dashboard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
  const config = parseObjects(helmTemplate()).find((object) => objectKey(object) === 'ConfigMap/prometheus-config');
  const prometheusYml = (config?.['data'] as Record<string, string> | undefined)?.['prometheus.yml'];
  assert.ok(prometheusYml, 'the chart renders prometheus.yml');
  writeFileSync(join(dir, 'prometheus.yml'), prometheusYml);
  const checkedConfig = promtool(['check', 'config', join(dir, 'prometheus.yml')]);
  assert.equal(checkedConfig.status, 0, checkedConfig.output);

  // Each query as a recording rule, so promtool parses it; Grafana's
  // $__rate_interval becomes a plain range.
  const dashboard = JSON.parse(readFileSync(join(paths.chart, 'dashboards/grpc-demo.json'), 'utf8')) as Dashboard;
  const rules = dashboard.panels.flatMap((panel, index) =>
    (panel.targets ?? []).map((target, query) => ({
      record: `dashboard:panel_${index}_${query}`,
      expr: target.expr.replaceAll('$__rate_interval', '1m'),
    })),
  );
  assert.ok(rules.length >= 8, 'the dashboard has its queries');
  writeFileSync(join(dir, 'rules.yml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
  const checkedRules = promtool(['check', 'rules', join(dir, 'rules.yml')]);
  assert.equal(checkedRules.status, 0, checkedRules.output);
  rmSync(dir, { recursive: true, force: true });
});

test('the Grafana dashboard queries the data sources the chart provisions, and exemplars link to Jaeger', () => {
  const provisioning = parseObjects(helmTemplate()).find(
    (object) => objectKey(object) === 'ConfigMap/grafana-provisioning',
  );
  const data = provisioning?.['data'] as Record<string, string> | undefined;
  const datasources = (
    parse(data?.['datasources.yaml'] ?? '') as {
      datasources: {
        uid: string;
        type: string;
        url: string;
        jsonData?: { exemplarTraceIdDestinations?: { datasourceUid: string; name: string }[] };
      }[];
    }
  ).datasources;
  const uids = new Set(datasources.map((source) => source.uid));
  const dashboard = JSON.parse(readFileSync(join(paths.chart, 'dashboards/grpc-demo.json'), 'utf8')) as Dashboard;
  for (const panel of dashboard.panels) {
    for (const uid of [panel.datasource?.uid, ...(panel.targets ?? []).map((target) => target.datasource?.uid)]) {
      if (uid !== undefined) assert.ok(uids.has(uid), `"${panel.title}" uses data source ${uid}, which is provisioned`);
    }
  }
  const prometheus = datasources.find((source) => source.type === 'prometheus');
  assert.ok(prometheus, 'Prometheus is a data source');
  assert.equal(prometheus.url, 'http://prometheus:9090');
  const [exemplars] = prometheus.jsonData?.exemplarTraceIdDestinations ?? [];
  assert.ok(exemplars, 'exemplars link somewhere');
  assert.equal(exemplars.name, 'trace_id', 'the exemplar label the services write');
  const destination = datasources.find((source) => source.uid === exemplars.datasourceUid);
  assert.equal(destination?.type, 'jaeger', 'exemplars open in the provisioned Jaeger');
});
