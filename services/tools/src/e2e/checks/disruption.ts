import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PhaseSummary } from '@demo/in-cluster-load';
import type { Check, CheckRecorder, E2eContext } from '../check.js';
import { helmInstall } from '../deploy.js';
import { mebibytes, type PodUsage } from '../resources.js';
import { idleScript, testPodManifest } from '../test-pods.js';

/** The in-cluster load (services/in-cluster-load), compiled: one file, shipped to the pod in a ConfigMap. */
const loadScript = fileURLToPath(import.meta.resolve('@demo/in-cluster-load'));
const rate = 50;

function loadPod(context: E2eContext): string {
  return testPodManifest({
    name: 'e2e-load',
    image: `grpc-demo-aggregator:${context.imageTag}`,
    labels: { 'e2e.grpc-demo/role': 'load' },
    script: idleScript,
    env: [
      { name: 'TARGET', value: `dns:///aggregator-headless.${context.cluster.namespace}.svc.cluster.local:50051` },
      { name: 'TOKEN', value: context.tokens.user },
      { name: 'RATE', value: String(rate) },
      { name: 'OTEL_SDK_DISABLED', value: 'true' },
    ],
    configMap: { name: 'e2e-load', mountPath: '/app/e2e' },
    cpuLimit: '1',
  });
}

/** The load, running in its pod: `phase(name)` marks the calls sent from now on; `finish()` stops it and returns the summary. */
function startLoad(context: E2eContext) {
  const child = spawn(
    context.programs.kubectl,
    ['-n', context.cluster.namespace, 'exec', '-i', 'e2e-load', '--', 'node', '/app/e2e/in-cluster-load.js'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    phase(name: string) {
      child.stdin.write(`${name}\n`);
    },
    async finish(): Promise<Record<string, PhaseSummary>> {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const status = await exited;
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        return (JSON.parse(line) as { summary: Record<string, PhaseSummary> }).summary;
      } catch {
        throw new Error(`the in-cluster load exited ${status} without its summary: ${stderr}${stdout}`);
      }
    },
  };
}

const failedCount = (phase: PhaseSummary | undefined) =>
  Object.values(phase?.failed ?? {}).reduce((sum, n) => sum + n, 0);

function usageTable(usage: Map<string, PodUsage>) {
  return Object.fromEntries([...usage].map(([pod, u]) => [pod, u]));
}

export const disruptionCheck: Check = {
  id: 9,
  title: `Under ${rate} GetUserHome/s: helm upgrade keeps the JWT secret, rolling restarts lose no call, a pod killed without grace costs at most 0.1 %`,
  async run(context, r: CheckRecorder) {
    const { cluster } = context;
    await cluster.kubectl(['create', 'configmap', 'e2e-load', `--from-file=in-cluster-load.js=${loadScript}`]);
    await cluster.apply(loadPod(context));
    const secretOf = async () =>
      (await cluster.getJson<{ data: Record<string, string> }>(['secret', 'grpc-demo-jwt'])).data['JWT_SECRET'];
    try {
      await cluster.kubectl(['wait', '--for=condition=Ready', 'pod/e2e-load', '--timeout=90s'], { timeoutMs: 100_000 });
      context.shared.set('rest', usageTable(await context.resources.measure(15_000)));
      readFileSync(loadScript); // fails early and clearly when the build is missing
      const load = startLoad(context);
      load.phase('steady');
      context.shared.set('load', usageTable(await context.resources.measure(20_000)));

      load.phase('helm-upgrade');
      const secretBefore = await secretOf();
      await helmInstall(cluster, context.helmArgs);
      const secretAfter = await secretOf();
      r.expect(secretBefore !== undefined && secretBefore === secretAfter, 'helm upgrade changed the JWT secret');

      for (const deployment of ['user', 'recommendation', 'aggregator']) {
        load.phase(`restart-${deployment}`);
        await cluster.kubectl(['rollout', 'restart', `deployment/${deployment}`]);
        await cluster.kubectl(['rollout', 'status', `deployment/${deployment}`, '--timeout=180s'], {
          timeoutMs: 190_000,
        });
        await cluster.waitForReplicas(deployment, 2, 120_000);
      }

      load.phase('kill-recommendation');
      const [victim] = await cluster.readyPods('recommendation');
      if (!victim) throw new Error('no recommendation pod to kill');
      await cluster.kubectl(['delete', 'pod', victim.name, '--grace-period=0', '--force'], { allowFailure: true });
      await cluster.waitForReplicas('recommendation', 2, 120_000);
      // A few seconds more, so that calls sent right after the new pod is up count too.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const summary = await load.finish();
      r.figure('phases', summary);

      const steady = summary['steady'];
      r.expect(failedCount(steady) === 0, `${failedCount(steady)} calls failed under steady load`);
      r.expect(
        failedCount(summary['helm-upgrade']) === 0,
        `${failedCount(summary['helm-upgrade'])} calls failed during helm upgrade`,
      );
      for (const deployment of ['user', 'recommendation', 'aggregator']) {
        const phase = summary[`restart-${deployment}`];
        r.expect((phase?.sent ?? 0) > 0, `no calls were sent during the ${deployment} restart`);
        r.expect(
          failedCount(phase) === 0,
          `${failedCount(phase)} of ${phase?.sent ?? 0} calls failed during the rolling restart of ${deployment}: ${JSON.stringify(phase?.failures.slice(0, 3))}`,
        );
      }
      const kill = summary['kill-recommendation'];
      const killFailed = failedCount(kill);
      r.figure('killFailedShare', kill ? killFailed / kill.sent : null);
      r.expect(
        kill !== undefined && killFailed <= kill.sent * 0.001,
        `${killFailed} of ${kill?.sent ?? 0} calls failed after a recommendation pod was killed (at most 0.1 %)`,
      );
      const total = Object.values(summary).reduce((sum, phase) => sum + phase.sent, 0);
      r.figure('calls', total);
    } finally {
      await cluster.kubectl(['delete', 'pod/e2e-load', 'configmap/e2e-load', '--wait=false'], { allowFailure: true });
    }
  },
};

export const resourcesCheck: Check = {
  id: 10,
  title: "Resources: each pod's CPU and memory at rest and under load, against its requests and limits",
  async run({ cluster, shared }, r) {
    const rest = shared.get('rest') as Record<string, PodUsage> | undefined;
    const load = shared.get('load') as Record<string, PodUsage> | undefined;
    if (!rest || !load) {
      r.skip('check 9 did not measure the pods');
      return;
    }
    // The pods measured were those of before the restarts: their specs are the same as their successors'.
    const specs = new Map((await cluster.pods()).map((pod) => [pod.component, pod.resources]));
    const rows: Record<string, unknown>[] = [];
    for (const [pod, atLoad] of Object.entries(load)) {
      const component = [...specs.keys()].find((c) => pod.startsWith(`${c}-`)) ?? pod;
      const spec = specs.get(component);
      const row = {
        pod,
        restCpuM: rest[pod]?.cpuMillicores ?? null,
        restMemMiB: rest[pod]?.memoryMiB ?? null,
        loadCpuM: atLoad.cpuMillicores,
        loadMemMiB: atLoad.memoryMiB,
        requests: spec?.requests ?? {},
        limits: spec?.limits ?? {},
      };
      rows.push(row);
      const limit = spec?.limits['memory'];
      const limitMiB = mebibytes(limit);
      if (limitMiB !== undefined) {
        r.expect(
          atLoad.memoryMiB < limitMiB,
          `${pod} uses ${atLoad.memoryMiB} MiB under load, at or over its ${limit} limit`,
        );
      }
    }
    r.figure('pods', rows);
    r.note(
      "from the kubelet's stats/summary: CPU in millicores over 15 s at rest and 20 s under load, memory as the working set in MiB",
    );
  },
};
