import { bearerHeaders } from '@demo/platform';
import type { Check } from '../check.js';

interface ConsoleState {
  history: { t: number; outcomes: Record<string, number> }[];
  settings: {
    faults: { replica: string; description: string; error?: string }[];
    defenses: { replica: string; error?: string }[];
    unreachable: string[];
  };
  load: { rate: number };
}

async function request(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as unknown) : text };
}

export const consoleCheck: Check = {
  id: 11,
  title: 'The control room: its page through a port-forward, every replica in view, its load reaching the front door',
  async run({ cluster, tokens }, r) {
    const [deployment] = await cluster.readyPods('console');
    if (!deployment) {
      r.skip('the chart has no console on this install');
      return;
    }
    const forward = await cluster.forward('svc/console', 8080);
    const base = `http://${forward.address}`;
    try {
      const page = await request(`${base}/`);
      r.expect(
        page.status === 200 && typeof page.body === 'string' && /<html/i.test(page.body),
        `GET / answered ${page.status}`,
      );
      const recommendations = (await cluster.readyPods('recommendation')).map((pod) => pod.name).sort();
      const aggregators = (await cluster.readyPods('aggregator')).map((pod) => pod.name).sort();
      const state = await cluster.waitFor(
        'the console to see every replica',
        30_000,
        async () => {
          const body = (await request(`${base}/api/state`)).body as ConsoleState;
          const faults = body.settings.faults
            .filter((f) => f.error === undefined)
            .map((f) => f.replica)
            .sort();
          const defenses = body.settings.defenses
            .filter((d) => d.error === undefined)
            .map((d) => d.replica)
            .sort();
          return JSON.stringify(faults) === JSON.stringify(recommendations) &&
            JSON.stringify(defenses) === JSON.stringify(aggregators) &&
            body.settings.unreachable.length === 0
            ? body
            : undefined;
        },
        1000,
      );
      r.figure(
        'faults',
        state.settings.faults.map((f) => `${f.replica}: ${f.description}`),
      );
      r.figure(
        'defenses',
        state.settings.defenses.map((d) => d.replica),
      );

      const refused = await request(`${base}/api/load`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearerHeaders(tokens.user) },
        body: JSON.stringify({ rate: 10 }),
      });
      r.expect(refused.status === 403, `a user token started the load (HTTP ${refused.status})`);
      const setRate = (rate: number) =>
        request(`${base}/api/load`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearerHeaders(tokens.admin) },
          body: JSON.stringify({ rate }),
        });
      const started = await setRate(20);
      r.expect(started.status === 200, `starting the load answered HTTP ${started.status}`);
      try {
        const since = Date.now();
        const seen = await cluster.waitFor(
          'the console charts to show its own load answered ok',
          30_000,
          async () => {
            const body = (await request(`${base}/api/state`)).body as ConsoleState;
            const point = body.history.filter((p) => p.t > since).at(-1);
            return point && (point.outcomes['ok'] ?? 0) > 5 ? point : undefined;
          },
          1000,
        );
        r.figure('okPerSecond', seen.outcomes['ok']);
        r.figure('secondsToChart', Math.round((seen.t - since) / 100) / 10);
      } finally {
        await setRate(0);
      }
    } finally {
      await forward.close();
    }
  },
};
