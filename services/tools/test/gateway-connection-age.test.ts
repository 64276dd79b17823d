// A replica's connection-age GOAWAY, under load, through the gateway: every
// stream Envoy sent after the GOAWAY is refused by the aggregator at once,
// none of them seen by a service. Envoy retries such calls (unsentCallRetries
// in services/gateway), but its default limit of 3 retries at once per
// cluster refused most of a burst: REST callers got 503 "remote refused
// stream reset" for calls that could simply go again.
import { Agent, request } from 'node:http';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerHeaders, mintToken, secretKey } from '@demo/platform';
import { startLocalSystem, type LocalSystem } from '@demo/testkit/local-system';
import { runOpenLoop } from '@demo/testkit/open-loop';

const jwtSecret = 'gateway-age-test-secret-0123456789abcdef012345';
// The aggregator's connections end every second instead of every 30 s, so
// that a few seconds of calls cross many GOAWAYs.
const connectionAgeMs = 1000;
const rate = 400;
const seconds = 10;
let system: LocalSystem;

before(async () => {
  system = await startLocalSystem({
    jwtSecret,
    gateway: true,
    collectLogs: false,
    env: { all: { OTEL_SDK_DISABLED: 'true' }, aggregator: { MAX_CONNECTION_AGE_MS: String(connectionAgeMs) } },
  });
});

after(async () => {
  await system.stop();
});

/** Envoy's counters for the aggregator's cluster, from its admin interface. */
async function aggregatorClusterStats(): Promise<Record<string, number>> {
  const response = await fetch(`http://${system.gateway?.adminAddress}/stats?filter=^cluster\\.aggregator\\.`);
  const stats: Record<string, number> = {};
  for (const line of (await response.text()).split('\n')) {
    const [name, value] = line.split(': ');
    if (name && value && /^\d+$/.test(value)) stats[name.replace('cluster.aggregator.', '')] = Number(value);
  }
  return stats;
}

test(`REST calls at ${rate}/s across the aggregator's connection-age GOAWAYs: none refused for a retry limit, none 503`, async () => {
  const gateway = system.gateway;
  assert.ok(gateway, 'the gateway started');
  const token = await mintToken({ key: secretKey(jwtSecret), subject: 'age-test', role: 'user', ttlSeconds: 600 });
  const created = await fetch(`http://${gateway.address}/v1/users`, {
    method: 'POST',
    headers: { ...bearerHeaders(token), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Ada Lovelace', email: 'ada@example.com' }),
  });
  assert.equal(created.status, 200, await created.clone().text());
  const { id } = ((await created.json()) as { user: { id: string } }).user;
  const before = await aggregatorClusterStats();

  // Node's own HTTP client on kept-alive connections: fetch costs too much CPU to keep this rate on two cores.
  const agent = new Agent({ keepAlive: true });
  const [host, port] = [gateway.address.slice(0, gateway.address.lastIndexOf(':')), gateway.address.split(':').at(-1)];
  const unavailable: string[] = [];
  const samples = await runOpenLoop({
    rate,
    durationMs: seconds * 1000,
    send: () =>
      new Promise((resolve) => {
        const call = request(
          {
            agent,
            host,
            port: Number(port),
            path: `/v1/users/${id}/home`,
            headers: bearerHeaders(token),
            signal: AbortSignal.timeout(10_000),
          },
          (response) => {
            let body = '';
            response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            response.on('end', () => {
              if (response.statusCode === 503) unavailable.push(body.slice(0, 200));
              resolve({ outcome: response.statusCode === 200 ? 'ok' : `error:HTTP ${response.statusCode ?? '?'}` });
            });
          },
        );
        call.on('error', () => resolve({ outcome: 'error:CLIENT' }));
        call.end();
      }),
  });
  agent.destroy();
  const after = await aggregatorClusterStats();
  const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
  const outcomes: Record<string, number> = {};
  for (const { outcome } of samples) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  console.log(
    `${samples.length} calls: ${JSON.stringify(outcomes)}; ${delta('upstream_cx_close_notify')} GOAWAYs, ` +
      `${delta('upstream_rq_retry')} calls retried (${delta('upstream_rq_retry_success')} succeeded), ` +
      `${delta('upstream_rq_retry_overflow')} retries refused by the limit`,
  );

  assert.ok(delta('upstream_cx_close_notify') >= 5, 'the aggregator aged its connections out while the calls went');
  assert.equal(delta('upstream_rq_retry_overflow'), 0, 'no retry of an unsent call was refused by a limit');
  assert.deepEqual(unavailable, [], 'no call came back 503');
  // The rest is the aggregator's own admission (429) when the machine falls
  // behind, or a call that failed in the client: neither is the gateway's.
  assert.ok((outcomes['ok'] ?? 0) >= samples.length * 0.9, `most calls answered: ${JSON.stringify(outcomes)}`);
});
