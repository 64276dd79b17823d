// A replica's connection-age GOAWAY, under load, through the gateway: every
// stream Envoy sent after the GOAWAY is refused by the aggregator at once,
// none of them seen by a service. Envoy retries such calls (unsentCallRetries
// in services/gateway), but its default limit of 3 retries at once per
// cluster refused most of a burst: REST callers got 503 "remote refused
// stream reset" for calls that could simply go again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerHeaders, mintToken, secretKey } from '@demo/platform';
import { envoyStats } from '@demo/testkit/envoy-process';
import { startLocalSystem, type LocalSystem } from '@demo/testkit/local-system';
import { runOpenLoop } from '@demo/testkit/open-loop';
import { gatewayVariants } from '../src/bench/gateway.js';

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

/** Envoy's counters for the aggregator's cluster, by their names within it. */
async function aggregatorClusterStats(): Promise<Record<string, number>> {
  const stats = await envoyStats(system.gateway?.adminAddress ?? '', '^cluster\\.aggregator\\.');
  return Object.fromEntries(
    Object.entries(stats).map(([name, value]) => [name.replace('cluster.aggregator.', ''), value]),
  );
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

  // The bench's REST caller: Node's own HTTP client on kept-alive connections
  // (fetch costs too much CPU to keep this rate on two cores).
  const rest = gatewayVariants.find((variant) => variant.name === 'rest');
  assert.ok(rest);
  const caller = rest.caller({ system, gatewayAddress: gateway.address, token, userId: id });
  const samples = await runOpenLoop({ rate, durationMs: seconds * 1000, send: () => caller.send() });
  caller.close();
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
  // A stream the aggregator reset or refused, not sent again, is a 503 made by
  // Envoy (upstream_rq_503); the aggregator's own UNAVAILABLE is a gRPC
  // status, which a machine too busy to serve 400/s may give, and is not counted there.
  assert.equal(delta('upstream_rq_503'), 0, `no call came back 503 from a refused stream: ${JSON.stringify(outcomes)}`);
  // The rest is the aggregator's own admission (429) when the machine falls
  // behind: the test is about the calls that cross a GOAWAY, not the rate.
  const answered = (outcomes['ok'] ?? 0) + (outcomes['degraded'] ?? 0);
  assert.ok(answered >= samples.length / 2, `most calls answered: ${JSON.stringify(outcomes)}`);
});
