// The control room in a real browser (Debian's chromium through
// playwright-core) against the local system on free ports: load, a hung
// recommendation service, the breaker switched off, recovery, and a trace
// link that leads to a stored trace. Screenshots go to reports/console/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { envoyInstalled } from '@demo/testkit/envoy-process';
import {
  faultClient,
  loadProtos,
  mintToken,
  replicationAtHeader,
  replicationOriginHeader,
  secretKey,
  unaryCall,
} from '@demo/platform';
import { freePort } from '@demo/testkit/ports';
import { startLocalSystem, type LocalSystem } from '@demo/testkit/local-system';
import { startLocalJaeger, type LocalJaeger } from '@demo/testkit/local-jaeger';
import { startOtlpReceiver, type OtlpReceiver } from '@demo/testkit/otlp-receiver';
import { bearerHeaders } from '@demo/platform';

const secret = 'console-test-secret-0123456789abcdef0123';
const reports = fileURLToPath(new URL('../../../../reports/console/', import.meta.url));
const chromiumPath = '/usr/bin/chromium';
/** The aggregator's RECOMMENDATION_TIMEOUT_MS default. */
const recommendationTimeoutMs = 300;

let system: LocalSystem;
let jaeger: LocalJaeger | undefined;
let receiver: OtlpReceiver | undefined;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
let consoleUrl: string;

before(async () => {
  mkdirSync(reports, { recursive: true });
  // Jaeger when `make install` built it, else the project's OTLP receiver stands in for the trace check.
  jaeger = await startLocalJaeger({ otlpGrpc: await freePort(), ui: await freePort(), queryGrpc: await freePort() });
  receiver = jaeger ? undefined : await startOtlpReceiver();
  const otlpEndpoint = jaeger?.otlpEndpoint ?? receiver?.endpoint ?? '';
  system = await startLocalSystem({
    jwtSecret: secret,
    console: true,
    // The gateway too when Envoy is installed (make install): the page charts its calls.
    gateway: envoyInstalled(),
    env: {
      all: { OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint, OTEL_BSP_SCHEDULE_DELAY: '200' },
      console: {
        JAEGER_UI_URL: jaeger?.uiUrl ?? `http://127.0.0.1:${await freePort()}`,
        JAEGER_QUERY_URL: jaeger?.uiUrl ?? '',
      },
    },
  });
  await seedUsers(system.user.address);
  consoleUrl = `http://${system.console?.address ?? ''}`;
  userDataDir = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1500, height: 1700 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
});

after(async () => {
  await context.close().catch(() => undefined);
  rmSync(userDataDir, { recursive: true, force: true });
  await system.stop();
  await jaeger?.stop();
  await receiver?.stop();
});

async function seedUsers(address: string): Promise<void> {
  const client = new (loadProtos().demo.user.v1.UserService)(address, grpc.credentials.createInsecure());
  try {
    for (const [name, email] of [
      ['Ada Lovelace', 'ada@example.com'],
      ['Grace Hopper', 'grace@example.com'],
      ['Alan Turing', 'alan@example.com'],
    ] as const) {
      await unaryCall((md, options, callback) => client.createUser({ name, email }, md, options, callback), {
        deadline: new Date(Date.now() + 5000),
      });
    }
  } finally {
    client.close();
  }
}

const readout = async (id: string) => (await page.locator(`#${id}`).textContent()) ?? '';
const percent = (text: string) => (text.endsWith('%') ? Number(text.slice(0, -1)) : Number.NaN);
const milliseconds = (text: string) => (text.endsWith(' ms') ? Number(text.slice(0, -3)) : Number.NaN);

/** Polls the page until `check` holds, at most `timeoutMs`; returns how long it took. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      await page.screenshot({ path: join(reports, 'failure.png'), fullPage: true });
      throw new Error(`${what}: not within ${timeoutMs} ms (screenshot: reports/console/failure.png)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('without a token the page is read-only', async () => {
  await page.goto(consoleUrl);
  const firstPointMs = await until(
    'the first points',
    async () => Number(await page.locator('body').getAttribute('data-points')) >= 1,
    10_000,
  );
  console.log(`page open to its first live point: ${firstPointMs} ms`);
  assert.equal(await page.locator('#load-start').isDisabled(), true);
  assert.equal(await page.locator('button.preset').first().isDisabled(), true);
  const refused = await page.evaluate(async () => {
    const response = await fetch('/api/fault/clear', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return response.status;
  });
  assert.equal(refused, 401);
});

test('load, a hang, the breaker switched off, recovery and a trace link, as a person would see them', async () => {
  const token = await mintToken({ key: secretKey(secret), subject: 'browser-test', role: 'admin', ttlSeconds: 600 });
  await page.fill('#token', token);
  await page.click('#token-form button[type=submit]');
  await page.fill('#load-rate', '100');
  await page.click('#load-start');
  await until('100 calls/s at the front door', async () => Number(await readout('calls-per-second')) >= 80, 10_000);
  // What the console itself costs at this load is measured by `make bench` (its footprint).
  await page.screenshot({ path: join(reports, '1-steady.png'), fullPage: true });

  // Hang: within 5 s the breaker is shown open and more than 90% of answers degraded.
  await page.click('button.preset[data-preset=hang]');
  const firstEffectMs = await until(
    'the first chart point where most answers are degraded',
    async () => percent(await readout('degraded-share')) > 50,
    5000,
  );
  const openMs = await until(
    'the recommendation breaker shown open with more than 90% degraded',
    async () => (await readout('breaker-recommendation')) === 'open' && percent(await readout('degraded-share')) > 90,
    5000,
  );
  console.log(
    `click on "Hang" to the first chart showing it: ${firstEffectMs} ms; to breaker open, >90% degraded: ${openMs} ms`,
  );
  await page.screenshot({ path: join(reports, '2-hang-breaker-open.png'), fullPage: true });

  // The breaker off: every call now waits for the recommendation timeout.
  await page.uncheck('input.defense[data-defense=circuitBreaker]');
  const riseMs = await until(
    `p99 at the recommendation timeout (${recommendationTimeoutMs} ms) with the breaker off`,
    async () =>
      (await readout('breaker-recommendation')) === 'off' &&
      milliseconds(await readout('p99')) >= recommendationTimeoutMs,
    10_000,
  );
  console.log(
    `breaker switched off to p99 >= ${recommendationTimeoutMs} ms: ${riseMs} ms (p99 ${await readout('p99')})`,
  );
  await page.screenshot({ path: join(reports, '3-hang-breaker-off.png'), fullPage: true });

  // A degraded call's trace link leads to a stored trace.
  const link = page.locator('a.trace-link').first();
  await until('a trace link in the recent calls', async () => (await link.count()) > 0, 5000);
  const href = (await link.getAttribute('href')) ?? '';
  const traceId = /^\/trace\/([0-9a-f]{32})$/.exec(href)?.[1];
  assert.ok(traceId, `a trace link: ${href}`);
  if (jaeger) {
    // Each service exports its spans in batches of its own: wait until every
    // one's are in, not only the first. The bound is for a machine busy with
    // other tests beside this one (a fresh clone's make test missed 10 s so,
    // with a second test run beside it).
    const spansMs = await until(
      "every service's spans of the trace in Jaeger",
      async () => {
        const response = await fetch(`${jaeger?.uiUrl ?? ''}/api/traces/${traceId}`);
        if (!response.ok) return false;
        const body = (await response.json()) as { data?: { processes?: Record<string, { serviceName: string }> }[] };
        const names = Object.values(body.data?.[0]?.processes ?? {}).map((process) => process.serviceName);
        return ['console', 'aggregator', 'recommendation', 'user'].every((service) =>
          names.some((name) => name.includes(service)),
        );
      },
      30_000,
    );
    console.log(`every service's spans of trace ${traceId} were in Jaeger after ${spansMs} ms`);
    // The link opens the console's view of it: every service's spans, the defenses' events.
    const view = await context.newPage();
    const problems: string[] = [];
    view.on('console', (line) => problems.push(line.text()));
    view.on('pageerror', (error) => problems.push(error.message));
    await view.goto(`${consoleUrl}${href}`);
    await view
      .locator('#spans tr')
      .first()
      .waitFor({ timeout: 10_000 })
      .catch(async (error: unknown) => {
        const said = await view.locator('#message').textContent();
        throw new Error(`the trace view shows no spans: "${said ?? ''}" ${problems.join('; ')}`, { cause: error });
      });
    const spans = (await view.locator('#spans').textContent()) ?? '';
    for (const service of ['console', 'aggregator', 'recommendation', 'user']) {
      assert.ok(spans.includes(service), `the trace view shows ${service} spans`);
    }
    assert.match(spans, /fallback\.used/, 'and the fallback the aggregator used');
    await view.screenshot({ path: join(reports, '4-trace.png'), fullPage: true });
    await view.close();
  } else {
    await until(
      'the trace at the OTLP receiver (Jaeger is not installed)',
      async () => receiver?.spans.some((span) => span.traceId === traceId && span.service === 'aggregator') ?? false,
      10_000,
    );
  }

  // Clear the fault and switch the breaker back on: recovery.
  await page.check('input.defense[data-defense=circuitBreaker]');
  await page.click('#fault-clear');
  // (A few calls may still time out while two cores are shared with a browser and five services.)
  const recoveryMs = await until(
    'recovery: at most 5% degraded, the breaker closed, p99 back under the recommendation timeout',
    async () =>
      percent(await readout('degraded-share')) <= 5 &&
      (await readout('breaker-recommendation')) === 'closed' &&
      milliseconds(await readout('p99')) < recommendationTimeoutMs,
    15_000,
  );
  console.log(`fault cleared to recovery: ${recoveryMs} ms (p99 ${await readout('p99')})`);
  await page.screenshot({ path: join(reports, '5-recovered.png'), fullPage: true });
  const markers = (await page.locator('#markers').textContent()) ?? '';
  assert.match(markers, /fault: hang on 100%/);
  assert.match(markers, /circuitBreaker off/);
  await page.click('#load-stop');
});

test('a fault change a replica refuses (it holds a newer one) is shown refused, naming the replicas, and no replica is left split', async () => {
  await page.goto(consoleUrl);
  const token = await mintToken({ key: secretKey(secret), subject: 'browser-test', role: 'admin', ttlSeconds: 600 });
  await page.fill('#token', token);
  await page.click('#token-form button[type=submit]');
  const [a, b] = system.recommendations;
  assert.ok(a && b);
  // Replica B alone holds a fault from 30 s ahead, as from a replica whose clock runs ahead; A never heard of it.
  const newerAt = Date.now() + 30_000;
  const peerToken = await mintToken({
    key: secretKey(secret),
    subject: 'replica:test',
    role: 'admin',
    ttlSeconds: 60,
    audience: 'fault-replicas',
  });
  // Forwarded as a replica forwards it: the peer token, the version headers.
  const faults = faultClient(b.address, { token: peerToken });
  try {
    await faults.set(
      { delay: { delayMs: 7, percentage: 1 } },
      { headers: { [replicationOriginHeader]: 'replica-ahead', [replicationAtHeader]: String(newerAt) } },
    );
  } finally {
    faults.close();
  }

  // The console sets faults through the first replica, A: B refuses, and the page says so.
  await page.click('button.preset[data-preset=slow]');
  const message = page.locator('#message');
  await until('the refusal on the page', async () => ((await message.textContent()) ?? '').includes('refused'), 5000);
  const said = (await message.textContent()) ?? '';
  const newerText = `made at ${new Date(newerAt).toISOString()} through replica-ahead`;
  assert.equal(
    said,
    `fault "slow" refused: the change did not take on every replica: taken by ${a.address}; ` +
      `refused by ${b.address} (it holds a newer change, ${newerText}). ` +
      `The newer change (${newerText}) stands in its place on ${a.address}, ${b.address}: ` +
      'read it, then make the change again if it is still wanted.',
  );
  assert.equal(await message.getAttribute('class'), 'message error');
  // The replicas' table shows the newer fault on both, not "slow" on one of them.
  await until(
    'both replicas shown holding the newer fault',
    async () =>
      ((await page.locator('#faults').textContent()) ?? '').split('delay 7 ms on 1% of calls').length - 1 === 2,
    5000,
  );
  await page.screenshot({ path: join(reports, '6-refused-change.png'), fullPage: true });

  // Made again, the change takes on both.
  await page.click('#fault-clear');
  await until(
    'the fault cleared on both',
    async () => ((await message.textContent()) ?? '').startsWith('fault cleared: applied to'),
    5000,
  );
});

test("the gateway's REST calls, by HTTP status class, on the page", async (t) => {
  if (!system.gateway) {
    t.skip('Envoy is not installed: make install puts it in .tools/envoy');
    return;
  }
  await page.goto(consoleUrl);
  const userToken = await mintToken({ key: secretKey(secret), subject: 'browser-test', role: 'user', ttlSeconds: 60 });
  const chart = page.locator('.chart[data-title="Gateway (REST, gRPC-Web): calls/s by HTTP status"]');
  const labels = async () => (await chart.locator('.u-legend .u-label').allTextContents()).sort();
  await until('the gateway chart', async () => (await chart.count()) === 1, 5000);
  assert.ok(!(await labels()).includes('4xx'), 'no call refused yet');
  // Answered (2xx) and refused for want of a token (4xx), a few a second until the page shows both.
  const stopCalling = new AbortController();
  const calls = (async () => {
    for (let i = 0; !stopCalling.signal.aborted && i < 200; i += 1) {
      const home = `http://${system.gateway?.address}/v1/users/1/home`;
      await fetch(home, { headers: bearerHeaders(userToken) });
      await fetch(home);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    const shownMs = await until(
      'the gateway chart with 2xx and 4xx',
      async () => {
        const shown = await labels();
        return shown.includes('2xx') && shown.includes('4xx');
      },
      15_000,
    );
    console.log(`gateway calls by status on the page after ${shownMs} ms`);
  } finally {
    stopCalling.abort();
    await calls;
  }
  await chart.screenshot({ path: join(reports, '7-gateway.png') });
});
