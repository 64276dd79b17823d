// The cluster's gateway configuration (services/gateway/src/chart-config.ts,
// what the chart's ConfigMap holds) run by a real Envoy in front of the real
// services, with only what belongs to the pod made local: its addresses, the
// files its volumes hold, and a DNS name (localhost) for each headless Service.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bearerHeaders, mintToken, secretKey } from '@demo/platform';
import { freePort } from '@demo/testkit/ports';
import { waitFor } from '@demo/testkit/wait';
import { descriptorSetPath, jwks } from '@demo/gateway';
import { startGateway, type GatewayProcess } from '@demo/testkit/envoy-process';
import { chartGatewayOptions } from '@demo/gateway/chart-config';
import { startLocalSystem, type LocalSystem } from '@demo/testkit/local-system';

const jwtSecret = 'gateway-chart-test-secret-0123456789abcdef0123';
const dir = mkdtempSync(join(tmpdir(), 'gateway-chart-'));
let system: LocalSystem | undefined;
let gatewayProcess: GatewayProcess | undefined;
const gateway = () => {
  assert.ok(gatewayProcess, 'the gateway started');
  return gatewayProcess;
};
let readyUrl: string;
let token: string;

before(async () => {
  const local = await startLocalSystem({ jwtSecret });
  system = local;
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify(jwks(jwtSecret)));
  const byName = (address: string) => `localhost:${address.slice(address.lastIndexOf(':') + 1)}`;
  // The files as the build makes them, where the pod's volumes would put them.
  const chart = chartGatewayOptions('untraced', {
    descriptorSet: descriptorSetPath,
    jwks: join(dir, 'jwks.json'),
    openapiDocument: join(dirname(descriptorSetPath), 'openapi.json'),
  });
  assert.equal(chart.upstreamResolution, 'dns', 'the cluster resolves its upstreams by name');
  const readiness = { host: '127.0.0.1', port: await freePort() };
  gatewayProcess = await startGateway({
    ...chart,
    listen: { host: '127.0.0.1', port: await freePort() },
    admin: { host: '127.0.0.1', port: await freePort() },
    readiness,
    upstreams: {
      aggregator: [byName(local.aggregator.address)],
      user: [byName(local.user.address)],
      recommendation: local.recommendations.map((replica) => byName(replica.address)),
    },
  });
  readyUrl = `http://${readiness.host}:${readiness.port}/ready`;
  token = await mintToken({ key: secretKey(jwtSecret), subject: 'gateway-chart-test', role: 'user', ttlSeconds: 600 });
});

after(async () => {
  // Whatever started, even when the start failed half-way.
  await gatewayProcess?.stop();
  await system?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the cluster configuration checks tokens with the JWKS file and balances each call over the replicas a name resolves to', async () => {
  const call = (path: string, bearer: string | null = token) =>
    fetch(`http://${gateway().address}${path}`, {
      headers: bearer ? bearerHeaders(bearer) : {},
      signal: AbortSignal.timeout(10_000),
    });
  const created = await fetch(`http://${gateway().address}/v1/users`, {
    method: 'POST',
    headers: { ...bearerHeaders(token), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Ada Lovelace', email: 'ada@example.com' }),
  });
  assert.equal(created.status, 200, await created.text());

  const home = await call('/v1/users/1/home?recommendation_limit=3');
  assert.equal(home.status, 200, 'a token signed with the services’ key passes the JWKS file');
  assert.equal(((await home.json()) as { user: { id: string } }).user.id, '1');
  const forged = await mintToken({
    key: secretKey('another-secret-of-at-least-32-characters'),
    subject: 'x',
    role: 'user',
    ttlSeconds: 60,
  });
  assert.equal((await call('/v1/users/1', forged)).status, 401, 'a token signed with another key is refused');
  assert.equal((await call('/v1/users/1', null)).status, 401, 'no token, no call');

  const replicas = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const answer = await call('/v1/users/1/recommendations?limit=1');
    assert.equal(answer.status, 200);
    replicas.add(answer.headers.get('served-by') ?? '');
  }
  assert.deepEqual(
    [...replicas].sort(),
    (system?.recommendations ?? []).map((replica) => replica.address).sort(),
    'consecutive calls are answered by both recommendation replicas',
  );
});

test('GET /ready on its own port is Envoy’s own readiness: 200 while it serves, 503 once it fails its health check (as when it drains), and nothing else is there', async () => {
  assert.equal((await fetch(readyUrl)).status, 200);
  assert.equal((await fetch(readyUrl.replace('/ready', '/v1/users/1'))).status, 404, 'no route but /ready');
  const failed = await fetch(`http://${gateway().adminAddress}/healthcheck/fail`, { method: 'POST' });
  assert.equal(failed.status, 200);
  await waitFor(
    'GET /ready to answer 503',
    async () => ((await fetch(readyUrl)).status === 503 ? true : undefined),
    5000,
  );
  await fetch(`http://${gateway().adminAddress}/healthcheck/ok`, { method: 'POST' });
  await waitFor(
    'GET /ready to answer 200 again',
    async () => ((await fetch(readyUrl)).status === 200 ? true : undefined),
    5000,
  );
});
