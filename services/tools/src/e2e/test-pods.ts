/**
 * The pods the checks start of their own (a load generator, network probes):
 * images of this run, no chart labels, and a spec the restricted Pod
 * Security Standard admits.
 */
export interface TestPod {
  name: string;
  image: string;
  labels: Record<string, string>;
  /** A Node.js program, run with `node -e`. */
  script: string;
  env?: { name: string; value: string }[];
  /** A ConfigMap mounted read-only at a path. */
  configMap?: { name: string; mountPath: string };
  cpuLimit?: string;
  /**
   * Never Ready (its readiness probe always fails): a pod that carries a
   * Service's labels, for the policies those labels get, without taking the
   * Service's traffic.
   */
  neverReady?: boolean;
}

/** Stays up and does nothing, ready for `kubectl exec`; ends at once on SIGTERM. */
export const idleScript = "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30);";

export function testPodManifest(pod: TestPod): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod.name, labels: pod.labels },
    spec: {
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'main',
          image: pod.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '-e', pod.script],
          env: pod.env ?? [],
          ...(pod.neverReady ? { readinessProbe: { exec: { command: ['false'] }, periodSeconds: 60 } } : {}),
          resources: {
            requests: { cpu: '10m', memory: '64Mi' },
            limits: { cpu: pod.cpuLimit ?? '500m', memory: '256Mi' },
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          },
          volumeMounts: pod.configMap ? [{ name: 'files', mountPath: pod.configMap.mountPath, readOnly: true }] : [],
        },
      ],
      volumes: pod.configMap ? [{ name: 'files', configMap: { name: pod.configMap.name } }] : [],
    },
  });
}
