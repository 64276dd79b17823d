import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@demo/testkit/wait';
import { envoyInstalled } from '@demo/testkit/envoy-process';
import { allRunPorts, localRunPorts, portOffsetRange, type LocalRunPorts } from '@demo/testkit/local-dev';
import { jaegerBinary } from '@demo/testkit/local-jaeger';
import { runCommand, runCommandSync } from '@demo/testkit/processes';

// `make run` for real: the launcher, then the README's grpcurl and curl
// commands against it, then Ctrl-C. DESIGN.md's ports (50051-50054) lie in
// Linux's ephemeral range, where any test running beside this one may hold
// one as the local end of a connection or a listener on port 0; so the
// launcher runs with a PORT_OFFSET that puts every port outside that range,
// and the README's commands run with their ports moved by it.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const grpcurlDir = `${root}.tools/bin`;
const launcherScript = `${root}services/tools/dist/src/run/main.js`;
const env = { ...process.env, PATH: `${grpcurlDir}:${root}node_modules/.bin:${process.env['PATH'] ?? ''}` };
let launcher: ChildProcess;
let output = '';
let offset = 0;
let ports: LocalRunPorts;

before(async () => {
  assert.ok(existsSync(`${grpcurlDir}/grpcurl`), 'grpcurl is missing: run make install');
  offset = await freeOffset();
  ports = localRunPorts(offset);
  process.stdout.write(`make run with PORT_OFFSET=${offset}: the aggregator on ${ports.aggregator.grpc}\n`);
  launcher = spawn(process.execPath, [launcherScript], {
    cwd: root,
    env: { ...env, PORT_OFFSET: String(offset) },
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
    // As Ctrl-C does (when the Ctrl-C test did not run), so that the
    // launcher stops its children: a SIGKILL would leave Envoy and Jaeger
    // running, holding their ports. SIGKILL only if it has not stopped in 30 s.
    const exited = once(launcher, 'exit');
    launcher.kill('SIGINT');
    const deadline = setTimeout(() => launcher.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(deadline);
  }
});

/** Every port of make run, by all of its groups, from DESIGN.md's to this run's. */
function onThisRunsPorts(text: string): string {
  const defaults = allRunPorts();
  return text.replace(/\b(127\.0\.0\.1|localhost):(\d+)\b/g, (address, host: string, port: string) =>
    defaults.includes(Number(port)) ? `${host}:${Number(port) + offset}` : address,
  );
}

/**
 * An offset in PORT_OFFSET's range that puts every port of make run outside
 * the ephemeral range, where nothing picks a port but by name, and whose
 * ports are all free now; from a random start, so that two clones' tests on
 * one machine seldom try the same one.
 */
async function freeOffset(): Promise<number> {
  const [low, high] = existsSync('/proc/sys/net/ipv4/ip_local_port_range')
    ? readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    : [32768, 60999];
  const outside: number[] = [];
  for (let candidate = portOffsetRange.min; candidate <= portOffsetRange.max; candidate += 1) {
    if (allRunPorts(candidate).every((port) => port < (low ?? 0) || port > (high ?? 0))) outside.push(candidate);
  }
  assert.ok(outside.length > 0, `no PORT_OFFSET puts make run outside the ephemeral range ${low}-${high}`);
  const start = Math.floor(Math.random() * outside.length);
  for (const candidate of [...outside.slice(start), ...outside.slice(0, start)].slice(0, 50)) {
    if ((await Promise.all(allRunPorts(candidate).map(isFree))).every(Boolean)) return candidate;
  }
  throw new Error('no free set of ports for make run in 50 tries');
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function bash(script: string) {
  return runCommandSync('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: root,
    env,
    timeoutMs: 60_000,
    allowFailure: true,
  });
}

test('grpcurl lists every service of the aggregator through reflection alone, no proto files', () => {
  const result = bash(`grpcurl -plaintext 127.0.0.1:${ports.aggregator.grpc} list`);
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
  const replicas = [ports.recommendationA.grpc, ports.recommendationB.grpc].map((port) => `127.0.0.1:${port}`);
  assert.ok(replicas.includes(answer.servedBy['recommendation'] ?? ''), JSON.stringify(answer.servedBy));
});

test("the README's grpcurl examples run as written against make run", () => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const marker = readme.indexOf('<!-- The local-system test runs every command in the next code block. -->');
  assert.ok(marker >= 0, 'the README marks its tested code block');
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(marker))?.[1];
  assert.ok(block !== undefined && block.includes('grpcurl'), 'the block has grpcurl commands');
  const result = bash(onThisRunsPorts(block));
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
    `grpcurl -plaintext -H "authorization: Bearer ${token}" -d '{"user_id": 2}' 127.0.0.1:${ports.aggregator.grpc} demo.aggregator.v1.AggregatorService/GetUserHome`,
  );
  assert.equal(call.status, 0, call.stderr);
  assert.match(call.stdout, /Grace Hopper/);
});

test('make run serves the control room on its port (8080 by default), prints its address, and says whether Jaeger runs', async () => {
  const url = `http://127.0.0.1:${ports.console.http}`;
  assert.ok(output.includes(`The control room: ${url}`), output);
  // With Jaeger built (make install), make run starts it; without, it says so in one line.
  assert.match(
    output,
    existsSync(jaegerBinary)
      ? new RegExp(`Jaeger: http://127\\.0\\.0\\.1:${ports.jaeger.ui} `)
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
  assert.equal((await fetch(`http://127.0.0.1:${ports.gateway.http}/healthz`)).status, 200);
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

/** The README's code block after `marker`, as written but for its ports, which are this run's. */
function readmeBlock(marker: string): string {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `the README marks its tested block: ${marker}`);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
  assert.ok(block !== undefined && block.includes('curl'), 'the block has curl commands');
  return onThisRunsPorts(block);
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
  assert.match(
    allowed,
    new RegExp(`^access-control-allow-origin: http://127\\.0\\.0\\.1:${ports.console.http}\r?$`, 'm'),
  );
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
  for (const port of allRunPorts(offset)) {
    assert.ok(await isFree(port), `nothing listens on ${port} any more`);
  }
});

test('a PORT_OFFSET that is no whole number, or moves a port past 65535, stops make run with one line naming it', () => {
  for (const given of ['abc', '1.5', String(portOffsetRange.max + 1), String(portOffsetRange.min - 1)]) {
    const result = runCommandSync(process.execPath, [launcherScript], {
      cwd: root,
      env: { ...env, PORT_OFFSET: given },
      timeoutMs: 30_000,
      allowFailure: true,
    });
    assert.equal(result.status, 78, `PORT_OFFSET=${given}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, /^invalid configuration: PORT_OFFSET: .+\n$/, `PORT_OFFSET=${given}`);
    assert.equal(result.stdout, '', 'nothing started');
  }
});

test("the README's table of make run's ports is the launcher's without PORT_OFFSET", () => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const table = readme
    .slice(readme.indexOf('## Run it locally'), readme.indexOf('### Try it with grpcurl'))
    .split('\n')
    .filter((line) => line.startsWith('| '))
    .join('\n');
  const listed = new Set([...table.matchAll(/:(\d{4,5})\b/g)].map((match) => Number(match[1])));
  const launched = allRunPorts();
  // Jaeger's query gRPC port (16685) is internal to it: the table shows what a person opens.
  const byNumber = (a: number, b: number) => a - b;
  assert.deepEqual(
    [...listed].sort(byNumber),
    launched.filter((port) => port !== localRunPorts().jaeger.queryGrpc).sort(byNumber),
  );
});

test('make run on a port another program holds says so in its last lines, exits 1 and leaves no process behind (Jaeger included)', async () => {
  const takenOffset = await freeOffset();
  const taken = localRunPorts(takenOffset);
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(taken.aggregator.grpc, '127.0.0.1', resolve));
  try {
    const result = await runCommand(process.execPath, [launcherScript], {
      cwd: root,
      env: { ...env, PORT_OFFSET: String(takenOffset) },
      timeoutMs: 60_000,
      allowFailure: true,
    });
    assert.equal(result.status, 1, result.output);
    assert.match(result.output, /EADDRINUSE/);
    assert.match(
      result.output,
      new RegExp(
        `is another \`make run\` still listening on ports ${taken.aggregator.grpc}-${taken.recommendationB.grpc}`,
      ),
    );
    const others = allRunPorts(takenOffset).filter((port) => port !== taken.aggregator.grpc);
    const free = await Promise.all(others.map(isFree));
    assert.deepEqual(
      others.filter((_, index) => !free[index]),
      [],
      'every other port of that run is free again: no service, Envoy or Jaeger left',
    );
  } finally {
    holder.close();
  }
});
