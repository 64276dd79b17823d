// The console as a service on its own, with nothing behind it: who may do
// what, what reaches the browser, and a graceful shutdown with a page open.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { bearerHeaders, mintToken, secretKey } from '@demo/platform';
import { freePort } from '@demo/testkit/ports';
import { startService, type ServiceProcess } from '@demo/testkit/processes';
import { waitFor } from '@demo/testkit/wait';

const entry = fileURLToPath(new URL('../src/main.js', import.meta.url));
const secret = 'console-service-test-secret-0123456789abcdef';
let service: ServiceProcess;
let url: string;

before(async () => {
  // Every target a free port where nothing listens: the console must cope with a system that is not there.
  const nowhere = async () => `ipv4:127.0.0.1:${await freePort()}`;
  service = await startService({
    name: 'console',
    entry,
    waitForServing: false,
    env: {
      JWT_SECRET: secret,
      HTTP_PORT: '0',
      AGGREGATOR_TARGET: await nowhere(),
      RECOMMENDATION_TARGET: await nowhere(),
      AGGREGATOR_METRICS_TARGET: await nowhere(),
      USER_METRICS_TARGET: await nowhere(),
      RECOMMENDATION_METRICS_TARGET: await nowhere(),
    },
  });
  url = `http://${service.address}`;
  await waitFor('the console to answer', async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined));
});

after(async () => {
  await service.stop('SIGKILL');
});

const token = (role: 'user' | 'admin', key = secret) =>
  mintToken({ key: secretKey(key), subject: `tester-${role}`, role, ttlSeconds: 60 });

const post = (path: string, body: unknown, bearerToken?: string, contentType = 'application/json') =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(bearerToken ? bearerHeaders(bearerToken) : {}) },
    body: JSON.stringify(body),
  });

test('changes need an admin token: none is 401, a forged one 401, a user one 403', async () => {
  const clear = '/api/fault/clear';
  assert.equal((await post(clear, {})).status, 401);
  assert.equal((await post(clear, {}, await token('admin', 'another-secret-0123456789abcdef0123'))).status, 401);
  const refused = await post(clear, {}, await token('user'));
  assert.equal(refused.status, 403);
  assert.match(((await refused.json()) as { error: string }).error, /tester-user has the user role/);
});

test('a bad change is refused before it reaches a service, and a form post is not taken at all', async () => {
  const admin = await token('admin');
  assert.equal((await post('/api/fault', { fault: { abort: { grpcCode: 0, percentage: 50 } } }, admin)).status, 400);
  assert.equal((await post('/api/load', { rate: 1_000_000 }, admin)).status, 400);
  // A cross-site form can send text/plain without a preflight; the console takes only JSON.
  assert.equal((await post('/api/load', { rate: 10 }, admin, 'text/plain')).status, 415);
});

test('a change the services cannot take comes back as an error the page can show', async () => {
  const response = await post('/api/fault/clear', {}, await token('admin'));
  assert.equal(response.status, 502);
  assert.ok(((await response.json()) as { error?: string }).error);
  // Logs are written in batches, at least every 200 ms.
  await waitFor('the change logged with who asked for it', () =>
    service.logs.some((line) => line['msg'] === 'admin action: clear fault' && line['by'] === 'tester-admin')
      ? true
      : undefined,
  );
});

test('nothing the browser gets carries the JWT secret', async () => {
  for (const path of ['/', '/app.js', '/app.css', '/api/state', `/trace/${'a'.repeat(32)}`, '/trace.js']) {
    const body = await (await fetch(`${url}${path}`)).text();
    assert.ok(!body.includes(secret), `${path} does not carry the secret`);
  }
});

test('SIGTERM with a page open (an event stream) exits at once and cleanly', async () => {
  const events = await fetch(`${url}/api/events`);
  assert.equal(events.headers.get('content-type'), 'text/event-stream');
  const started = Date.now();
  const code = await service.stop('SIGTERM');
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 5000, `exited in ${Date.now() - started} ms`);
  await events.body?.cancel().catch(() => undefined);
});
