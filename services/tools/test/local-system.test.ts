import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@demo/testkit/wait';
import { envoyInstalled } from '@demo/testkit/envoy-process';
import { localConsolePorts, localGatewayPorts, localPorts } from '@demo/testkit/local-dev';
import { jaegerBinary } from '@demo/testkit/local-jaeger';
import { runCommandSync } from '@demo/testkit/processes';

// `make run` for real: the launcher on DESIGN.md's fixed ports, then the
// README's grpcurl commands against it, then Ctrl-C.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const grpcurlDir = `${root}.tools/bin`;
const env = { ...process.env, PATH: `${grpcurlDir}:${root}node_modules/.bin:${process.env['PATH'] ?? ''}` };
let launcher: ChildProcess;
let output = '';

before(async () => {
  assert.ok(existsSync(`${grpcurlDir}/grpcurl`), 'grpcurl is missing: run make install');
  launcher = spawn(process.execPath, [`${root}services/tools/dist/src/run/main.js`], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launcher.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  launcher.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await waitFor(
    'make run to report every service SERVING',
    () => {
      if (launcher.exitCode !== null) throw new Error(`the launcher exited: ${output}`);
      return output.includes('All services SERVING') ? true : undefined;
    },
    30_000,
  );
});

after(async () => {
  if (launcher.exitCode === null) {
    launcher.kill('SIGKILL');
    await once(launcher, 'exit');
  }
});

function bash(script: string) {
  return runCommandSync('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: root,
    env,
    timeoutMs: 60_000,
    allowFailure: true,
  });
}

test('grpcurl lists every service of the aggregator through reflection alone, no proto files', () => {
  const result = bash(`grpcurl -plaintext 127.0.0.1:${localPorts.aggregator.grpc} list`);
  assert.equal(result.status, 0, result.stderr);
  const services = result.stdout.trim().split('\n');
  for (const name of [
    'demo.aggregator.v1.AggregatorService',
    'grpc.health.v1.Health',
    'grpc.reflection.v1.ServerReflection',
  ]) {
    assert.ok(services.includes(name), `${name} in ${result.stdout}`);
  }
});

test('the token and grpcurl commands that make run prints work as printed', () => {
  const exported = /export TOKEN=(\S+)/.exec(output)?.[1];
  assert.ok(exported, 'make run printed a token');
  const commands = output.split('\n').filter((line) => line.trim().startsWith('grpcurl '));
  assert.equal(commands.length, 3);
  for (const command of commands) {
    const result = bash(`TOKEN=${exported}; ${command.trim()}`);
    assert.equal(result.status, 0, `${command}\n${result.stderr}`);
  }
  const home = bash(`TOKEN=${exported}; ${commands.find((c) => c.includes('GetUserHome'))?.trim() ?? 'false'}`);
  const answer = JSON.parse(home.stdout) as { user: { name: string }; servedBy: Record<string, string> };
  assert.equal(answer.user.name, 'Ada Lovelace');
  assert.ok(['127.0.0.1:50053', '127.0.0.1:50054'].includes(answer.servedBy['recommendation'] ?? ''));
});

test("the README's grpcurl examples run as written against make run", () => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const marker = readme.indexOf('<!-- The local-system test runs every command in the next code block. -->');
  assert.ok(marker >= 0, 'the README marks its tested code block');
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(marker))?.[1];
  assert.ok(block !== undefined && block.includes('grpcurl'), 'the block has grpcurl commands');
  const result = bash(block);
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /"name": "Edsger Dijkstra"/);
  // The CreateUser sent twice with one request_id: one user, answered twice.
  const retried = [...result.stdout.matchAll(/"id": "(\d+)",\s*"name": "Radia Perlman"/g)].map((match) => match[1]);
  assert.equal(retried.length, 2, 'both CreateUser calls answered');
  assert.equal(retried[0], retried[1], 'the retry returned the same user');
  assert.match(result.stdout, /"createdCount": 2/);
  assert.match(result.stdout, /"status": "SERVING"/);
  assert.match(result.stdout, /"degraded"|"recommendations"/);
});

test('make token prints a token the running system accepts, with the admin role when asked', () => {
  const user = bash('make -s token');
  assert.equal(user.status, 0, user.stderr);
  const token = user.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'the output is the token alone');
  const payload = (t: string) =>
    JSON.parse(Buffer.from(t.split('.')[1] ?? '', 'base64url').toString()) as { role: string };
  assert.equal(payload(token).role, 'user');
  const admin = bash('ROLE=admin make -s token');
  assert.equal(payload(admin.stdout.trim()).role, 'admin');
  const call = bash(
    `grpcurl -plaintext -H "authorization: Bearer ${token}" -d '{"user_id": 2}' 127.0.0.1:${localPorts.aggregator.grpc} demo.aggregator.v1.AggregatorService/GetUserHome`,
  );
  assert.equal(call.status, 0, call.stderr);
  assert.match(call.stdout, /Grace Hopper/);
});

test('make run serves the control room at http://127.0.0.1:8080, prints its address, and says whether Jaeger runs', async () => {
  const url = `http://127.0.0.1:${localConsolePorts.http}`;
  assert.ok(output.includes(`The control room: ${url}`), output);
  // With Jaeger built (make install), make run starts it; without, it says so in one line.
  assert.match(
    output,
    existsSync(jaegerBinary)
      ? /Jaeger: http:\/\/127\.0\.0\.1:16686/
      : /Jaeger is not installed \(make install builds it\): running without traces/,
  );
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /grpc-demo control room/);
  await waitFor('the console to see both recommendation replicas', async () => {
    const fresh = (await (await fetch(`${url}/api/state`)).json()) as { settings: { faults: unknown[] } };
    return fresh.settings.faults.length === 2 ? true : undefined;
  });
});

test("make run starts the gateway when Envoy is installed, and the README's curl examples run as written against it", async (t) => {
  if (!envoyInstalled()) {
    assert.match(output, /The gateway is not installed/);
    t.skip('Envoy is not installed: make install puts it in .tools/envoy');
    return;
  }
  assert.equal((await fetch(`http://127.0.0.1:${localGatewayPorts.http}/healthz`)).status, 200);
  const block = readmeBlock(
    "<!-- The local-system test runs every command in the next code block against make run's gateway. -->",
  );
  // --fail-with-body: an HTTP error fails the block, as a status code would not with plain curl.
  const result = bash(`curl() { command curl --fail-with-body "$@"; echo; }\n${block}`);
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  const answers = result.stdout
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const home = answers.find((answer) => 'degraded' in answer) as { user: { id: string; name: string } } | undefined;
  assert.deepEqual([home?.user.id, home?.user.name], ['1', 'Ada Lovelace'], 'GetUserHome, the id as a string');
  assert.ok(
    answers.some((answer) => answer['createdCount'] === 2),
    'the batch created both users',
  );
  assert.ok(
    answers.some((answer) => (answer['appliedTo'] as unknown[] | undefined)?.length === 2),
    'the admin set the fault on both replicas',
  );
});

/** The README's code block after `marker`, as written. */
function readmeBlock(marker: string): string {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `the README marks its tested block: ${marker}`);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
  assert.ok(block !== undefined && block.includes('curl'), 'the block has curl commands');
  return block;
}

test("the README's CORS preflights and metrics scrape run as written against make run's gateway", (t) => {
  if (!envoyInstalled()) {
    t.skip('Envoy is not installed: make install puts it in .tools/envoy');
    return;
  }
  const preflights = bash(
    readmeBlock(
      "<!-- The local-system test runs the next code block against make run's gateway, and reads the two answers. -->",
    ),
  );
  assert.equal(preflights.status, 0, preflights.stderr);
  const [allowed = '', refused = ''] = preflights.stdout.split(/(?=^HTTP\/1\.1 )/m);
  assert.match(allowed, /^HTTP\/1\.1 200 /);
  assert.match(allowed, /^access-control-allow-origin: http:\/\/127\.0\.0\.1:8080\r?$/m);
  assert.match(refused, /^HTTP\/1\.1 200 /);
  assert.doesNotMatch(refused, /access-control-allow-origin/);
  const metrics = bash(
    readmeBlock("<!-- The local-system test runs the next code block against make run's gateway. -->"),
  );
  assert.equal(metrics.status, 0, metrics.stderr);
  assert.match(metrics.stdout, /^envoy_http_downstream_rq_xx\{.*envoy_response_code_class="2".*\} [1-9]/m);
});

test('Ctrl-C stops every process of make run', async () => {
  launcher.kill('SIGINT');
  const [code] = (await once(launcher, 'exit')) as [number | null];
  assert.equal(code, 0);
  for (const grpc of [
    ...Object.values(localPorts).map((ports) => ports.grpc),
    localConsolePorts.http,
    localGatewayPorts.http,
    localGatewayPorts.admin,
    localGatewayPorts.metrics,
  ]) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(grpc, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    assert.ok(refused, `nothing listens on ${grpc} any more`);
  }
});
