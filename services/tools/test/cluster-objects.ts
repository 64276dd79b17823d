/**
 * The rendered cluster objects the chart and k8s/ tests check, and typed
 * views of the parts they look at. Every way the system gets to a cluster is
 * here: the chart with its default, kind and minikube values, and kustomize
 * of each k8s/ overlay.
 */
import { join } from 'node:path';
import {
  environments,
  helmTemplate,
  parseObjects,
  podTemplateOf,
  valuesFile,
  type KubernetesObject,
} from '../src/cluster/manifests.js';
import { paths, runToolOrThrow } from '../src/cluster/toolchain.js';

export interface RenderedSet {
  /** How it was made, for test names: "chart, kind values", "k8s/overlays/kind". */
  source: string;
  objects: KubernetesObject[];
  /** Whether the JWT Secret is part of the set (the chart makes it; kubectl users create it). */
  hasJwtSecret: boolean;
}

export function chartSets(): RenderedSet[] {
  return [
    { source: 'chart, default values', objects: parseObjects(helmTemplate()), hasJwtSecret: true },
    ...environments.map((environment) => ({
      source: `chart, ${environment} values`,
      objects: parseObjects(helmTemplate({ valuesFiles: [valuesFile(environment)] })),
      hasJwtSecret: true,
    })),
  ];
}

export function kustomizeBuild(overlay: string): string {
  return runToolOrThrow('kustomize', ['build', join(paths.k8s, overlay)]);
}

export function overlaySets(): RenderedSet[] {
  return environments.map((environment) => ({
    source: `k8s/overlays/${environment}`,
    objects: parseObjects(kustomizeBuild(`overlays/${environment}`)),
    hasJwtSecret: false,
  }));
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string };
  };
}

export interface Probe {
  grpc?: { port: number; service?: string };
  httpGet?: { path: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
}

export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    seccompProfile?: { type: string };
  };
  topologySpreadConstraints?: { topologyKey: string; labelSelector?: { matchLabels?: Record<string, string> } }[];
}

/** A workload (every workload here is a Deployment) with its pod's labels and spec. */
export interface Workload {
  object: KubernetesObject;
  name: string;
  replicas: number;
  selector: Record<string, string>;
  podLabels: Record<string, string>;
  pod: PodSpec;
}

export function workloads(objects: KubernetesObject[]): Workload[] {
  return objects.flatMap((object) => {
    const template = podTemplateOf(object);
    if (!template) return [];
    const spec = object['spec'] as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
    return [
      {
        object,
        name: object.metadata.name,
        replicas: spec.replicas ?? 1,
        selector: spec.selector?.matchLabels ?? {},
        podLabels: template.metadata?.labels ?? {},
        pod: template.spec as unknown as PodSpec,
      },
    ];
  });
}

export interface ServiceSpec {
  clusterIP?: string;
  selector?: Record<string, string>;
  ports: { name?: string; port: number; targetPort?: number | string }[];
}

export function servicesOf(objects: KubernetesObject[]): Map<string, ServiceSpec> {
  return new Map(
    objects
      .filter((object) => object.kind === 'Service')
      .map((object) => [object.metadata.name, object['spec'] as ServiceSpec]),
  );
}

/** Whether `labels` satisfy a matchLabels selector (an empty selector matches everything). */
export function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** The three gRPC services: the workloads that carry the grpc-service component label. */
export const grpcServices = ['user', 'recommendation', 'aggregator'] as const;
export type GrpcServiceName = (typeof grpcServices)[number];

export function isGrpcService(workload: Workload): boolean {
  return workload.podLabels['app.kubernetes.io/component'] === 'grpc-service';
}

export function containerPort(container: Container, name: string): number | undefined {
  return container.ports?.find((port) => port.name === name)?.containerPort;
}
