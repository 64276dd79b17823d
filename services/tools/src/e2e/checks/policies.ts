import type { Check, E2eContext } from '../check.js';
import { idleScript, testPodManifest } from '../test-pods.js';
import type { Cluster } from '../cluster.js';
import { release } from '../deploy.js';

const tcpServer =
  "process.on('SIGTERM', () => process.exit(0)); require('node:net').createServer((s) => s.end('hi')).listen(8080);";

/** Connects from inside `pod` to host:port; 'connected', or why not (a dropped SYN times out). */
async function connectFrom(cluster: Cluster, pod: string, host: string, port: number): Promise<string> {
  const script = `const s = require('node:net').connect(${port}, '${host}'); s.setTimeout(3000);
s.on('connect', () => { console.log('connected'); process.exit(0); });
s.on('timeout', () => { console.log('timed out'); process.exit(0); });
s.on('error', (e) => { console.log(e.code || e.message); process.exit(0); });`;
  const result = await cluster.exec(pod, ['node', '-e', script]);
  return result.stdout.trim() || `exec failed: ${result.stderr.trim()}`;
}

/**
 * What a refused connection looks like: its SYN dropped, or rejected. A name
 * that does not resolve is not one. A dropped SYN to a name with several
 * addresses (a headless Service's pods) is ETIMEDOUT: Node tries each address
 * in turn (autoSelectFamily) and gives up before the socket's own timeout.
 */
const refusals = ['timed out', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH'];

interface Connection {
  from: string;
  pod: string;
  to: string;
  port: number;
}

export const policiesCheck: Check = {
  id: 8,
  title: 'NetworkPolicies: the allowed calls work, the disallowed are refused',
  async run(context: E2eContext, r) {
    const { cluster } = context;
    const image = `grpc-demo-aggregator:${context.imageTag}`;
    const pod = async (component: string) => {
      const [first] = await cluster.readyPods(component);
      if (!first) throw new Error(`no ready ${component} pod`);
      return first.name;
    };
    await cluster.apply(
      testPodManifest({ name: 'e2e-probe', image, labels: { 'e2e.grpc-demo/role': 'probe' }, script: idleScript }),
    );
    await cluster.apply(
      testPodManifest({
        name: 'e2e-control-target',
        image,
        labels: { 'e2e.grpc-demo/role': 'control-target' },
        script: tcpServer,
      }),
    );
    // The control: a policy of this check's own that denies all ingress to a pod of its own.
    await cluster.apply(
      JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'e2e-control-deny' },
        spec: { podSelector: { matchLabels: { 'e2e.grpc-demo/role': 'control-target' } }, policyTypes: ['Ingress'] },
      }),
    );
    const [gatewayPod] = await cluster.readyPods('gateway');
    if (gatewayPod) {
      await cluster.apply(
        testPodManifest({
          name: 'e2e-gateway-impostor',
          image,
          labels: { 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/instance': release },
          script: idleScript,
          neverReady: true,
        }),
      );
    }
    try {
      if (gatewayPod) {
        await cluster.kubectl(
          ['wait', '--for=jsonpath={.status.phase}=Running', 'pod/e2e-gateway-impostor', '--timeout=90s'],
          { timeoutMs: 100_000 },
        );
      }
      await cluster.kubectl(
        ['wait', '--for=condition=Ready', 'pod/e2e-probe', 'pod/e2e-control-target', '--timeout=90s'],
        {
          timeoutMs: 100_000,
        },
      );
      const [target] = (await cluster.pods()).filter((p) => p.name === 'e2e-control-target');
      // Policies can take a moment to be programmed: the control is retried for a while.
      let control = '';
      for (let attempt = 0; attempt < 5; attempt++) {
        control = await connectFrom(cluster, 'e2e-probe', target?.ip ?? '', 8080);
        if (control !== 'connected') break;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
      r.figure('control', control);
      if (control === 'connected') {
        r.skip(
          "this cluster does not enforce NetworkPolicies: a pod behind a deny-all policy of the check's own was reached",
        );
        return;
      }
      const [aggregator, user, recommendation] = [
        await pod('aggregator'),
        await pod('user'),
        await pod('recommendation'),
      ];
      const allowed: Connection[] = [
        { from: 'a pod without the chart labels', pod: 'e2e-probe', to: 'aggregator-headless', port: 50051 },
        { from: 'aggregator', pod: aggregator, to: 'user-headless', port: 50051 },
        { from: 'aggregator', pod: aggregator, to: 'recommendation-headless', port: 50051 },
        { from: 'recommendation', pod: recommendation, to: 'recommendation-headless', port: 50051 },
        { from: 'user', pod: user, to: 'redis', port: 6379 },
        { from: 'aggregator', pod: aggregator, to: 'jaeger', port: 4317 },
      ];
      const refused: Connection[] = [
        { from: 'a pod without the chart labels', pod: 'e2e-probe', to: 'user-headless', port: 50051 },
        { from: 'a pod without the chart labels', pod: 'e2e-probe', to: 'redis', port: 6379 },
        { from: 'recommendation', pod: recommendation, to: 'redis', port: 6379 },
        { from: 'aggregator', pod: aggregator, to: 'redis', port: 6379 },
        { from: 'user', pod: user, to: 'recommendation-headless', port: 50051 },
      ];
      // The gateway's way in and out: anyone reaches its REST port, and it
      // reaches the three services' gRPC ports and nothing else, so a caller
      // gets no further through it than its routes go. The impostor carries
      // the gateway's labels (never Ready, so its Service sends it nothing).
      const [gateway] = await cluster.readyPods('gateway');
      if (gateway) {
        const [userPod] = await cluster.readyPods('user');
        allowed.push(
          { from: 'a pod without the chart labels', pod: 'e2e-probe', to: 'gateway', port: 8080 },
          {
            from: "a pod with the gateway's labels",
            pod: 'e2e-gateway-impostor',
            to: 'aggregator-headless',
            port: 50051,
          },
          { from: "a pod with the gateway's labels", pod: 'e2e-gateway-impostor', to: 'user-headless', port: 50051 },
          {
            from: "a pod with the gateway's labels",
            pod: 'e2e-gateway-impostor',
            to: 'recommendation-headless',
            port: 50051,
          },
        );
        refused.push(
          { from: 'a pod without the chart labels', pod: 'e2e-probe', to: gateway.ip, port: 8082 },
          { from: "a pod with the gateway's labels", pod: 'e2e-gateway-impostor', to: 'redis', port: 6379 },
          { from: "a pod with the gateway's labels", pod: 'e2e-gateway-impostor', to: 'prometheus', port: 9090 },
          {
            from: "a pod with the gateway's labels",
            pod: 'e2e-gateway-impostor',
            to: userPod?.ip ?? 'user-headless',
            port: 9464,
          },
        );
      }
      const [console] = await cluster.readyPods('console');
      if (console) {
        allowed.push({ from: 'console', pod: console.name, to: 'aggregator-headless', port: 50051 });
        refused.push({ from: 'console', pod: console.name, to: 'redis', port: 6379 });
        refused.push({ from: 'console', pod: console.name, to: 'user-headless', port: 50051 });
      }
      const results: Record<string, string> = {};
      for (const connection of allowed) {
        const outcome = await connectFrom(cluster, connection.pod, connection.to, connection.port);
        results[`${connection.from} -> ${connection.to}:${connection.port}`] = outcome;
        r.expect(
          outcome === 'connected',
          `${connection.from} -> ${connection.to}:${connection.port} should work: ${outcome}`,
        );
      }
      for (const connection of refused) {
        const outcome = await connectFrom(cluster, connection.pod, connection.to, connection.port);
        results[`${connection.from} -> ${connection.to}:${connection.port} (disallowed)`] = outcome;
        r.expect(
          refusals.includes(outcome),
          `${connection.from} -> ${connection.to}:${connection.port} should be refused: ${outcome}`,
        );
      }
      r.figure('connections', results);
    } finally {
      await cluster.kubectl(
        [
          'delete',
          'pod/e2e-probe',
          'pod/e2e-control-target',
          'pod/e2e-gateway-impostor',
          'networkpolicy/e2e-control-deny',
          '--wait=false',
          '--ignore-not-found',
        ],
        {
          allowFailure: true,
        },
      );
    }
  },
};
