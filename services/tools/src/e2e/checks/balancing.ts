import { countServedBy, type HomeCall } from '../calls.js';
import type { Check } from '../check.js';

/** Each pod's share must be within `tolerance` (0.15) of an even split. */
function evenSpread(counts: Record<string, number>, pods: string[], total: number, tolerance: number) {
  const even = total / pods.length;
  return pods.filter((pod) => Math.abs((counts[pod] ?? 0) - even) > even * tolerance);
}

export const balancingCheck: Check = {
  id: 3,
  title: 'Balancing: 200 GetUserHome calls spread evenly over both user and both recommendation pods',
  async run({ cluster, front }, r) {
    const calls = await front.sequence(200);
    const failed = calls.filter((call) => call.outcome.startsWith('error'));
    r.figure('failed', failed.length);
    r.expect(
      failed.length === 0,
      `${failed.length} calls failed: ${failed[0]?.outcome ?? ''} ${failed[0]?.details ?? ''}`,
    );
    for (const dependency of ['user', 'recommendation']) {
      const pods = (await cluster.readyPods(dependency)).map((pod) => pod.name);
      const counts = countServedBy(calls, dependency);
      r.figure(dependency, counts);
      r.expect(pods.length === 2, `${dependency} has ${pods.length} ready pods, not 2`);
      const uneven = evenSpread(counts, pods, calls.length - failed.length, 0.15);
      r.expect(uneven.length === 0, `${dependency} calls are not within 15 % of even: ${JSON.stringify(counts)}`);
      const strangers = Object.keys(counts).filter((name) => !pods.includes(name));
      r.expect(strangers.length === 0, `served_by names that are not ${dependency} pods: ${strangers.join(', ')}`);
    }
  },
};

export const scaleUpCheck: Check = {
  id: 4,
  title: 'Scale-up: a third recommendation pod takes its share within the connection age plus 15 s',
  async run({ cluster, front }, r) {
    const before = new Set((await cluster.readyPods('recommendation')).map((pod) => pod.name));
    // The servers' connection age (the platform's default unless the chart sets it): clients
    // re-resolve the headless Service when a connection is closed for its age.
    const deployment = await cluster.getJson<{
      spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
    }>(['deployment', 'recommendation']);
    const ageEnv = deployment.spec.template.spec.containers[0]?.env?.find((e) => e.name === 'MAX_CONNECTION_AGE_MS');
    const connectionAgeMs = Number(ageEnv?.value ?? 30_000);
    r.figure('connectionAgeSeconds', connectionAgeMs / 1000);
    await cluster.kubectl(['scale', 'deployment/recommendation', '--replicas=3']);
    try {
      const pods = await cluster.waitForReplicas('recommendation', 3, 90_000);
      const added = pods.find((pod) => !before.has(pod.name))?.name;
      if (!r.expect(added !== undefined, 'no new recommendation pod appeared')) return;
      r.figure('newPod', added);
      const readyAt = Date.now();
      // From the moment the new pod is ready: calls at about 20 a second, and
      // the new pod's share of the last 60 calls, until it reaches 20 %.
      const window: HomeCall[] = [];
      let reachedAfterMs: number | undefined;
      let share = 0;
      while (Date.now() - readyAt < connectionAgeMs + 15_000) {
        const tick = Date.now();
        window.push(await front.home((window.length % 3) + 1));
        if (window.length > 60) window.shift();
        share = window.filter((call) => call.servedBy['recommendation'] === added).length / 60;
        if (window.length === 60 && share >= 0.2) {
          reachedAfterMs = Date.now() - readyAt;
          break;
        }
        const rest = 50 - (Date.now() - tick);
        if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
      }
      r.figure('newPodShare', Math.round(share * 100) / 100);
      r.figure('secondsToShare', reachedAfterMs === undefined ? null : Math.round(reachedAfterMs / 100) / 10);
      r.expect(
        reachedAfterMs !== undefined,
        `the new pod served ${Math.round(share * 100)} % of the last 60 calls after ${(connectionAgeMs + 15_000) / 1000} s (needs 20 %)`,
      );
    } finally {
      await cluster.kubectl(['scale', 'deployment/recommendation', '--replicas=2']);
      await cluster.waitForReplicas('recommendation', 2, 90_000);
    }
  },
};
