import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envoyInstalled } from '@demo/testkit/envoy-process';
import { runToExit } from '@demo/testkit/processes';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayMarker, innerLoopMarker, writeBenchPart, writeInnerLoopPart } from '../src/benchmarks-file.js';
import { gatewayVariants } from '../src/bench/gateway.js';

// A few seconds of `make bench` (the full run is a benchmark, not a test):
// it must measure with ghz, closed loop and at a constant rate, read the
// services' CPU, and write its table, targets, footprint (the control room's
// too), the admission limit under overload and its report.
const runner = fileURLToPath(new URL('../src/bench/main.js', import.meta.url));
const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** The cells of each row of the first table whose header starts with `| ${first} |`. */
function tableRows(markdown: string, first: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`| ${first} |`));
  assert.ok(start >= 0, `a table starting with "${first}" in:\n${markdown}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('| ')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

test('a short bench run measures CPU per call, throughput and latency of the ceiling, one service and GetUserHome, and writes the table, targets and footprint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const output = join(dir, 'BENCHMARKS.md');
  const { code, output: log } = await runToExit(runner, {
    cwd: root,
    env: {
      BENCH_SECONDS: '1',
      REPEATS: '1',
      RSS_SECONDS: '0',
      FOOTPRINT_SECONDS: '2',
      OVERLOAD_ROUNDS: '1',
      CASES: 'ceiling,platform-off,home-10',
      OUTPUT: output,
      REPORTS_DIR: dir,
    },
    timeoutMs: 120_000,
  });
  assert.equal(code, 0, log);

  const markdown = readFileSync(output, 'utf8');
  const header = markdown.split('\n').find((line) => line.startsWith('| case |')) ?? '';
  const columns = header
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
  const rows = tableRows(markdown, 'case');
  assert.deepEqual(
    rows.map((row) => row[0]),
    [
      'bare grpc-js echo, no interceptors (the ceiling)',
      'user GetUser, full platform, telemetry off',
      'GetUserHome, telemetry at 10% sampling',
    ],
  );
  const cell = (row: string[], column: string) => row[columns.indexOf(column)] ?? '';
  // The rate common to every case names its column.
  const commonRate = columns.find((column) => /^CPU µs\/call at \d+\/s$/.test(column)) ?? 'CPU µs/call at <rate>/s';
  for (const row of rows) {
    for (const column of [
      commonRate,
      'CPU µs/call at the fixed rate',
      'CPU µs/call at max',
      'max req/s',
      'fixed rate',
      'achieved',
    ]) {
      assert.ok(Number(cell(row, column)) > 0, `${column} a number above 0 in: ${row.join(' | ')}`);
    }
    assert.ok(Number(cell(row, '× echo')) > 0, `× echo a number in: ${row.join(' | ')}`);
    assert.match(cell(row, 'ghz CPU'), /^\d+%$/);
    assert.ok(Number(cell(row, 'p99 ms')) > 0, `p99 a number in: ${row.join(' | ')}`);
    assert.match(cell(row, 'errors'), /^(0|([A-Za-z ]+ \d+)(, [A-Za-z ]+ \d+)*)$/);
  }
  assert.equal(cell(rows[0] ?? [], '× echo'), '1.00');
  assert.equal(cell(rows[0] ?? [], 'vs echo'), '100%');

  const targets = markdown.slice(markdown.indexOf('## Targets')).split('\n## ')[0] ?? '';
  for (const target of [
    /full platform on one service \(telemetry off\)/,
    /GetUserHome, telemetry off/,
    /telemetry at 10% sampling adds/,
    /every trace sampled \(100%\)/,
    /the degraded path \(breaker open\)/,
    /RSS flat/,
    /zero failed calls in every case/,
    /the load generator had headroom/,
  ]) {
    assert.match(targets, new RegExp(`^- (PASS|FAIL|SKIP) .*${target.source}`, 'm'));
  }
  assert.match(
    targets,
    /^- (PASS|FAIL) full platform on one service .*: \d+\.\d+x the CPU per call, \d+% of the throughput$/m,
  );
  assert.match(targets, /^- SKIP RSS flat .*: not measured: RSS_SECONDS=0$/m);

  const footprint = tableRows(markdown, 'process');
  assert.deepEqual(
    footprint.map((row) => row[0]),
    ['aggregator', 'user', 'recommendation-a', 'recommendation-b'],
  );
  for (const row of footprint) {
    assert.ok(
      row.slice(1, 5).every((value) => Number(value) >= 0 && value !== ''),
      `numbers in: ${row.join(' | ')}`,
    );
    assert.match(row[5] ?? '', /^\d+m \/ \d+Mi$/, 'the chart requests');
  }
  // The control room's own row, from its own table: measured while its load generator ran.
  const room = tableRows(markdown.slice(markdown.indexOf('The control room (the console)')), 'process');
  assert.deepEqual(
    room.map((row) => row[0]),
    ['console'],
  );
  assert.ok(
    room[0]?.slice(1, 5).every((value) => Number(value) > 0),
    `numbers in: ${room[0]?.join(' | ')}`,
  );
  assert.match(room[0]?.[5] ?? '', /^\d+m \/ \d+Mi$/, 'the chart requests');
  const loadCalls = /Its load generator made (\d+) calls, (\d+) answered OK\./.exec(markdown);
  assert.ok(loadCalls && Number(loadCalls[1]) > 0 && Number(loadCalls[2]) > 0, 'the console made calls meanwhile');

  // The admission limit at three times capacity: measured and judged, never asserted (a shared machine decides).
  const overload = markdown.slice(markdown.indexOf('## Overload')).split('\n## ')[0] ?? '';
  assert.match(overload, /^- (PASS|FAIL) the excess shed at once/m);
  const offered = /^- (\d+) calls offered: (\d+) ok, \d+ degraded, (\d+) RESOURCE_EXHAUSTED/m.exec(overload);
  assert.ok(offered && Number(offered[1]) > 0 && Number(offered[2]) > 0, `calls offered and answered in:\n${overload}`);

  const reportFile = readdirSync(dir).find((file) => /^bench-.*\.json$/.test(file));
  assert.ok(reportFile, `a report in ${dir}`);
  type Run = { errorMessages: object; p99: number; cpuUsPerCall: number; rate: number };
  const report = JSON.parse(readFileSync(join(dir, reportFile), 'utf8')) as {
    cases: { name: string; fixedRate: Run[]; cpuRuns: Run[]; referenceRuns: Run[]; cpuRateVsEcho: number }[];
  };
  assert.deepEqual(
    report.cases.map((c) => c.name),
    ['ceiling', 'platform-off', 'home-10'],
  );
  assert.ok(
    report.cases.every((c) => c.fixedRate.every((run) => run.p99 > 0 && typeof run.errorMessages === 'object')),
  );
  // Beside each run of a case at the common rate, one of the reference echo
  // at that rate; × echo is the case's CPU per call over the echo's there.
  const [ceiling, ...others] = report.cases;
  assert.deepEqual(ceiling?.referenceRuns, [], 'the echo is not compared with itself');
  for (const c of others) {
    const [run] = c.cpuRuns;
    const [echo] = c.referenceRuns;
    assert.ok(run && echo && c.referenceRuns.length === 1, `${c.name}: one reference run beside its one run`);
    assert.equal(echo.rate, run.rate, `${c.name}: the echo at the same rate`);
    assert.ok(echo.cpuUsPerCall > 0);
    assert.equal(c.cpuRateVsEcho, run.cpuUsPerCall / echo.cpuUsPerCall);
    const row = rows[report.cases.indexOf(c)] ?? [];
    assert.equal(cell(row, '× echo'), c.cpuRateVsEcho.toFixed(2), `${c.name}: the × echo column`);
  }
});

test('the gateway case alone: GetUserHome straight and through Envoy in turn, its section of BENCHMARKS.md written and the rest kept', async (t) => {
  if (!envoyInstalled()) {
    t.skip('Envoy is not installed: make install puts it in .tools/envoy');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const output = join(dir, 'BENCHMARKS.md');
  writeBenchPart(output, '# Benchmarks\n\nthe cases, kept\n');
  writeInnerLoopPart(output, '## The inner loop\n\nkept too\n');
  const { code, output: log } = await runToExit(runner, {
    cwd: root,
    env: { BENCH_SECONDS: '1', REPEATS: '1', CASES: 'gateway', OUTPUT: output, REPORTS_DIR: dir },
    timeoutMs: 120_000,
  });
  assert.equal(code, 0, log);

  const markdown = readFileSync(output, 'utf8');
  assert.ok(markdown.startsWith(`# Benchmarks\n\nthe cases, kept\n\n${gatewayMarker}\n## The gateway`), markdown);
  assert.ok(markdown.endsWith(`${innerLoopMarker}\n## The inner loop\n\nkept too\n`), markdown);
  const rows = tableRows(markdown, 'GetUserHome');
  assert.deepEqual(
    rows.map((row) => row[0]),
    gatewayVariants.map((variant) => variant.label),
  );
  const straight = rows.filter((row) => row[0]?.startsWith('straight'));
  const throughGateway = rows.filter((row) => row[0]?.startsWith('through the gateway'));
  const throughBareEnvoy = rows.filter((row) => row[0]?.startsWith('through a bare Envoy'));
  for (const row of rows) {
    for (const column of [1, 3, 5, 7]) {
      assert.ok(Number(row[column]) > 0, `column ${column} a number above 0: ${row.join(' | ')}`);
    }
    assert.match(row[9] ?? '', /^(0|([A-Za-z0-9_ ]+ \d+)(, [A-Za-z0-9_ ]+ \d+)*)$/);
  }
  assert.equal(straight.length, 2, 'grpc-js and connect straight to the aggregator');
  for (const row of straight) {
    assert.deepEqual(
      [row[2], row[4], row[6]],
      ['-', '-', '-'],
      `Envoy is not on the straight path: ${row.join(' | ')}`,
    );
  }
  assert.equal(throughGateway.length, 2, 'REST/JSON and gRPC-Web');
  assert.equal(throughBareEnvoy.length, 1, 'gRPC-Web through a bare Envoy, for scale');
  for (const row of [...throughGateway, ...throughBareEnvoy]) {
    assert.ok(Number(row[2]) > 0, `Envoy's CPU per call: ${row.join(' | ')}`);
    assert.match(row[4] ?? '', /^-?\d+%$/);
  }
  for (const protocol of ['REST\\/JSON', 'gRPC-Web']) {
    assert.match(
      markdown,
      new RegExp(
        `^- (PASS|FAIL) GetUserHome through the gateway, ${protocol} adds at most 25% to the call's summed CPU per call and at most 1 ms to its p50 at 400\\/s: adds -?\\d+% CPU per call, -?\\d+\\.\\d+ ms to p50$`,
        'm',
      ),
    );
  }
  assert.match(markdown, /^- (PASS|FAIL) zero failed calls, straight and through either Envoy/m);
  assert.doesNotMatch(markdown, /^- (PASS|FAIL) GetUserHome through a bare Envoy/m, 'the bare Envoy is not judged');
  assert.match(
    markdown,
    /^For scale, not a target: a bare Envoy .* adds -?\d+% to the straight call's summed CPU per call \(\d+ µs of Envoy's\) and -?\d+\.\d+ ms to its p50: .* The gateway's own filters and routes add -?\d+(\.\d)? µs per call to it/m,
  );

  const reportFile = readdirSync(dir).find((file) => /^bench-.*\.json$/.test(file));
  assert.ok(reportFile, `a report in ${dir}`);
  const report = JSON.parse(readFileSync(join(dir, reportFile), 'utf8')) as {
    cases: unknown[];
    gateway: { variant: string; round: number; count: number; rate: number; gatewayCpuUsPerCall: number }[];
  };
  assert.deepEqual(report.cases, [], 'no case of the table ran');
  // A warm-up round and one measured, each variant in turn; every call sent was answered.
  assert.deepEqual(
    report.gateway.map((run) => [run.round, run.variant, run.count]),
    [0, 1].flatMap((round) => gatewayVariants.map((variant) => [round, variant.name, 400])),
  );
});
