/**
 * k8s/ for kubectl users, rendered from the chart so that there is one source
 * of truth (`make manifests` writes it; a test fails when it is stale):
 *
 *   k8s/base/             helm template with the default values, as a kustomize base
 *   k8s/overlays/<env>/   the base, patched with what helm/grpc-demo/values-<env>.yaml changes
 *
 * The overlays' patches are computed, not written: each is the difference
 * between the chart rendered with the default values and with the overlay's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { descriptorSetPath } from '@demo/gateway';
import { chartConfigFiles, renderChartEnvoyConfig } from '@demo/gateway/chart-config';
import { kubernetesVersion, paths, runToolOrThrow } from './toolchain.js';

export const releaseName = 'grpc-demo';
export const namespace = 'grpc-demo';
export const environments = ['kind', 'minikube'] as const;
export type Environment = (typeof environments)[number];

/** The JWT Secret kubectl users create themselves: a rendered random key would change on every render. */
export const jwtSecretName = 'grpc-demo-jwt';

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export function valuesFile(environment: Environment): string {
  return join(paths.chart, `values-${environment}.yaml`);
}

/**
 * The chart's generated files, by path under helm/grpc-demo/ (`make
 * manifests` writes them before it renders k8s/ from the chart): the
 * gateway's Envoy configuration from its one generator, and the files the
 * build makes from proto/ that it reads: the descriptor set and the OpenAPI
 * document (a chart can only read files inside itself).
 */
export function renderChartFiles(): Map<string, string | Buffer> {
  // The OpenAPI document the build generates beside the descriptor set, once it does.
  const openapi = join(dirname(descriptorSetPath), 'openapi.json');
  return new Map<string, string | Buffer>([
    [chartConfigFiles.traced, renderChartEnvoyConfig('traced')],
    [chartConfigFiles.untraced, renderChartEnvoyConfig('untraced')],
    ['files/gateway/descriptor-set.binpb', readFileSync(descriptorSetPath)],
    ...(existsSync(openapi) ? [['files/gateway/openapi.json', readFileSync(openapi)] as const] : []),
  ]);
}

/** `helm template` of the chart, for the pinned Kubernetes version. */
export function helmTemplate(options: { valuesFiles?: string[]; set?: string[] } = {}): string {
  return runToolOrThrow('helm', [
    'template',
    releaseName,
    paths.chart,
    '--namespace',
    namespace,
    '--kube-version',
    kubernetesVersion(),
    ...(options.valuesFiles ?? []).flatMap((file) => ['--values', file]),
    ...(options.set ?? []).flatMap((pair) => ['--set', pair]),
  ]);
}

/** Every object of a multi-document YAML stream (empty documents skipped). */
export function parseObjects(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors.map(String).join('\n'));
      return document.toJS() as KubernetesObject | null;
    })
    .filter((object): object is KubernetesObject => object !== null);
}

export function objectKey(object: KubernetesObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

/** Helm's own labels say Helm manages an object; in k8s/ it does not. */
const helmLabels = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];

function withoutHelmLabels(object: KubernetesObject): KubernetesObject {
  const copy = structuredClone(object);
  const strip = (labels: Record<string, string>) =>
    Object.fromEntries(Object.entries(labels).filter(([label]) => !helmLabels.includes(label)));
  if (copy.metadata.labels) copy.metadata.labels = strip(copy.metadata.labels);
  const template = podTemplateOf(copy);
  if (template?.metadata?.labels) template.metadata.labels = strip(template.metadata.labels);
  return copy;
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** The pod template of a workload (Deployment and the like), if it has one. */
export function podTemplateOf(object: KubernetesObject): PodTemplate | undefined {
  const spec = object['spec'] as { template?: PodTemplate } | undefined;
  return spec?.template;
}

/** The chart's objects as k8s/ holds them: default or an environment's values, the JWT Secret left to the user. */
export function chartObjects(environment?: Environment): KubernetesObject[] {
  const rendered = helmTemplate({
    valuesFiles: environment ? [valuesFile(environment)] : [],
    set: [`jwt.existingSecret=${jwtSecretName}`],
  });
  return parseObjects(rendered).map(withoutHelmLabels);
}

/** YAML without folded lines: a long value (a checksum, a target) stays on one line. */
const toYaml = (value: unknown) => stringify(value, { lineWidth: 0 });

const generatedNote = (from: string) =>
  `# Generated by \`make manifests\` from ${from}. Do not edit: change the chart and run make manifests.\n`;

/** What `make manifests` writes, by path under k8s/. */
export function renderManifests(): Map<string, string> {
  const base = chartObjects();
  const files = new Map<string, string>();
  files.set(
    'base/kustomization.yaml',
    generatedNote('helm/grpc-demo') +
      toYaml({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        namespace,
        resources: ['namespace.yaml', 'grpc-demo.yaml'],
      }),
  );
  files.set(
    'base/namespace.yaml',
    generatedNote('helm/grpc-demo') +
      '# Every pod here meets the restricted Pod Security Standard, and the namespace enforces it.\n' +
      toYaml({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: namespace,
          labels: {
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
          },
        },
      }),
  );
  files.set(
    'base/grpc-demo.yaml',
    generatedNote('helm/grpc-demo with its default values') +
      `# The Secret ${jwtSecretName} (key JWT_SECRET) is not here: create it before applying (README, "On a cluster").\n` +
      base.map((object) => `---\n${toYaml(object)}`).join(''),
  );
  for (const environment of environments) {
    files.set(
      `overlays/${environment}/kustomization.yaml`,
      generatedNote(`helm/grpc-demo/values-${environment}.yaml`) +
        toYaml({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          resources: ['../../base'],
          patches: overlayPatches(base, chartObjects(environment)),
        }),
    );
  }
  return files;
}

interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

/** A kustomize JSON 6902 patch per object that the environment's values change. */
function overlayPatches(base: KubernetesObject[], changed: KubernetesObject[]) {
  const byKey = new Map(base.map((object) => [objectKey(object), object]));
  const changedKeys = new Set(changed.map(objectKey));
  const added = [...changedKeys].filter((key) => !byKey.has(key));
  const removed = [...byKey.keys()].filter((key) => !changedKeys.has(key));
  if (added.length > 0 || removed.length > 0) {
    throw new Error(
      `an overlay may change objects, not add (${added.join(', ')}) or remove (${removed.join(', ')}) them`,
    );
  }
  return changed.flatMap((object) => {
    const operations: PatchOperation[] = [];
    diff('', byKey.get(objectKey(object)), object, operations);
    if (operations.length === 0) return [];
    const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
    return [
      {
        target: { ...(group ? { group } : {}), version, kind: object.kind, name: object.metadata.name },
        patch: toYaml(operations),
      },
    ];
  });
}

/** JSON Pointer (RFC 6901) escaping: label keys such as app.kubernetes.io/name hold a slash. */
const pointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The operations that turn `from` into `to`, appended to `operations`. */
function diff(path: string, from: unknown, to: unknown, operations: PatchOperation[]): void {
  if (isDeepStrictEqual(from, to)) return;
  if (isRecord(from) && isRecord(to)) {
    for (const key of Object.keys(from)) {
      if (!(key in to)) operations.push({ op: 'remove', path: `${path}/${pointer(key)}` });
    }
    for (const [key, value] of Object.entries(to)) {
      if (key in from) diff(`${path}/${pointer(key)}`, from[key], value, operations);
      else operations.push({ op: 'add', path: `${path}/${pointer(key)}`, value });
    }
  } else if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    to.forEach((value, index) => {
      const element: PatchOperation[] = [];
      diff(`${path}/${index}`, from[index], value, element);
      // An index says little to a reader and breaks silently if the base is
      // reordered: a test of the element's name says which one, and fails if it moved.
      const name = isRecord(from[index]) ? from[index]['name'] : undefined;
      if (element.length > 0 && typeof name === 'string') {
        operations.push({ op: 'test', path: `${path}/${index}/name`, value: name });
      }
      operations.push(...element);
    });
  } else {
    operations.push({ op: 'replace', path, value: to });
  }
}
