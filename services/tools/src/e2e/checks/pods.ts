import type { Check } from '../check.js';

interface DeploymentList {
  items: { metadata: { name: string }; spec: { replicas?: number }; status: { readyReplicas?: number } }[];
}

/** A pod the restricted standard forbids: the API server must refuse it in this namespace. */
const privilegedPod = (namespace: string) => `apiVersion: v1
kind: Pod
metadata:
  name: e2e-privileged-probe
  namespace: ${namespace}
spec:
  containers:
    - name: probe
      image: e2e-never-pulled:0
      securityContext:
        privileged: true
`;

export const podsCheck: Check = {
  id: 1,
  title: 'Every pod Ready within 2 minutes, admitted under the restricted Pod Security Standard',
  async run({ cluster }, r) {
    const started = Date.now();
    const deployments = await cluster.waitFor('every Deployment to have all its replicas Ready', 120_000, async () => {
      const list = await cluster.getJson<DeploymentList>(['deployments']);
      const pods = await cluster.pods();
      const allReady = list.items.every((d) => (d.status.readyReplicas ?? 0) === (d.spec.replicas ?? 1));
      return allReady && list.items.length > 0 && pods.every((pod) => pod.ready || pod.deleting) ? list : undefined;
    });
    r.figure('secondsToReady', Math.round((Date.now() - started) / 100) / 10);
    const pods = await cluster.pods();
    r.figure('pods', pods.length);
    r.figure(
      'deployments',
      Object.fromEntries(deployments.items.map((d) => [d.metadata.name, d.status.readyReplicas ?? 0])),
    );
    r.expect(
      pods.every((pod) => pod.restarts === 0),
      `pods restarted: ${pods
        .filter((pod) => pod.restarts > 0)
        .map((pod) => `${pod.name} (${pod.restarts})`)
        .join(', ')}`,
    );

    const namespace = await cluster.getJson<{ metadata: { labels?: Record<string, string> } }>([
      'namespace',
      cluster.namespace,
    ]);
    const enforce = namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'];
    r.figure('enforce', enforce);
    r.expect(enforce === 'restricted', `the namespace enforces "${enforce}", not "restricted"`);
    // Proof that the standard is enforced here, not only labelled: a privileged pod is refused.
    const refused = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], {
      input: privilegedPod(cluster.namespace),
      allowFailure: true,
    });
    const refusal = `${refused.stderr}${refused.stdout}`;
    r.expect(
      refused.status !== 0 && /PodSecurity|violates/i.test(refusal),
      `a privileged pod was not refused by Pod Security admission: ${refusal.trim()}`,
    );
    r.note(`a privileged pod is refused: ${refusal.trim().split('\n')[0] ?? ''}`);
    const events = await cluster.kubectl(['get', 'events', '--field-selector', 'reason=FailedCreate', '-o', 'name']);
    r.expect(events.stdout.trim() === '', `pods were refused (FailedCreate events): ${events.stdout.trim()}`);
  },
};
