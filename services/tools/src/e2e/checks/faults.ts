import { FaultControl } from '../calls.js';
import type { Check } from '../check.js';

const hangMs = 4 * 3600 * 1000;

export const faultsCheck: Check = {
  id: 5,
  title: 'Faults across pods: set through one pod, on every pod, adopted by a new pod; degraded answers, then recovery',
  async run({ cluster, front, tokens }, r) {
    const pods = (await cluster.readyPods('recommendation')).map((pod) => pod.name).sort();
    const [first] = pods;
    const victim = pods[1];
    if (first === undefined || victim === undefined || pods.length !== 2) {
      r.expect(false, `${pods.length} recommendation pods, not 2`);
      return;
    }
    const forward = await cluster.forward(`pod/${first}`, 50051);
    const control = new FaultControl(forward.address, tokens.admin);
    try {
      const set = await control.set({ delay: { delayMs: hangMs, percentage: 100 } });
      const appliedTo = [...set.appliedTo].sort();
      r.figure('appliedTo', appliedTo);
      r.expect(
        JSON.stringify(appliedTo) === JSON.stringify(pods),
        `applied_to ${JSON.stringify(appliedTo)}, pods ${JSON.stringify(pods)}`,
      );

      // A pod started afterwards: delete one (its Deployment starts another) and ask the new one.
      await cluster.kubectl(['delete', 'pod', victim, '--wait=false']);
      const replaced = await cluster.waitFor('a new recommendation pod to be Ready', 90_000, async () => {
        const ready = await cluster.readyPods('recommendation');
        return ready.find((pod) => !pods.includes(pod.name));
      });
      r.figure('newPod', replaced.name);
      const newForward = await cluster.forward(`pod/${replaced.name}`, 50051);
      const newControl = new FaultControl(newForward.address, tokens.admin);
      try {
        const adopted = await newControl.get();
        r.figure('newPodFault', adopted.fault);
        const delay = adopted.fault.delay;
        r.expect(
          delay?.delayMs === hangMs && delay.percentage === 100,
          `the new pod ${replaced.name} runs fault ${JSON.stringify(adopted.fault)}, not the hang`,
        );
      } finally {
        newControl.close();
        await newForward.close();
      }
      await cluster.waitForReplicas('recommendation', 2, 90_000);

      const faulted = await front.openLoop(20, 5000);
      const degraded = faulted.calls.filter((call) => call.outcome === 'degraded');
      const withFallback = degraded.filter((call) => call.recommendations > 0);
      r.figure('faulted', {
        calls: faulted.calls.length,
        degraded: degraded.length,
        withFallback: withFallback.length,
        p50Ms: Math.round(faulted.p50),
        p99Ms: Math.round(faulted.p99),
      });
      r.expect(
        degraded.length === faulted.calls.length,
        `${faulted.calls.length - degraded.length} answers were not degraded`,
      );
      r.expect(withFallback.length === degraded.length, 'degraded answers came without the fallback list');
      r.expect(faulted.p99 < 400, `p99 ${Math.round(faulted.p99)} ms under the hang (must be under 400 ms)`);

      const cleared = await control.clear();
      const clearedAt = Date.now();
      r.figure('clearedOn', [...cleared.appliedTo].sort());
      // Healthy again: ten answers in a row neither degraded nor failed,
      // timed from the first of them.
      let runStartedAt = 0;
      let healthyRun = 0;
      const recoveredAt = await cluster.waitFor(
        'ten healthy GetUserHome answers in a row after ClearFault',
        15_000,
        async () => {
          const sentAt = Date.now();
          const call = await front.home(1);
          if (call.outcome !== 'ok') healthyRun = 0;
          else if (healthyRun++ === 0) runStartedAt = sentAt;
          return healthyRun >= 10 ? runStartedAt : undefined;
        },
        50,
      );
      const recoveredMs = recoveredAt - clearedAt;
      r.figure('secondsToHealthy', Math.round(recoveredMs / 100) / 10);
      r.expect(recoveredMs <= 5000, `healthy again only ${recoveredMs} ms after ClearFault (must be within 5 s)`);
    } finally {
      await control.clear().catch(() => undefined);
      control.close();
      await forward.close();
    }
  },
};
