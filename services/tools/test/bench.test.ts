import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runToExit } from '@demo/platform/testing';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A few seconds of `make bench` (the full run is a benchmark, not a test):
// it must measure with ghz and the open-loop generator and write its table.
const runner = fileURLToPath(new URL('../src/bench/run.js', import.meta.url));
const root = fileURLToPath(new URL('../../../../', import.meta.url));

test('a short bench run measures the ceiling, one service and GetUserHome, and writes the table', async () => {
  const output = join(mkdtempSync(join(tmpdir(), 'bench-')), 'BENCHMARKS.md');
  const { code, output: log } = await runToExit(runner, {
    cwd: root,
    env: {
      BENCH_SECONDS: '1',
      REPEATS: '1',
      RSS_SECONDS: '0',
      CASES: 'ceiling,platform-off,home-10',
      OUTPUT: output,
    },
    timeoutMs: 120_000,
  });
  assert.equal(code, 0, log);

  const table = readFileSync(output, 'utf8');
  const rows = table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| case') && !line.startsWith('| ---'));
  assert.equal(rows.length, 3, table);
  for (const row of rows) {
    const throughput = Number(row.split('|')[2]?.trim());
    assert.ok(throughput > 0, `a measured throughput in: ${row}`);
  }
  assert.match(table, /\| bare grpc-js echo, no interceptors \(the ceiling\) \| \d+ \| 100% \|/);
  assert.match(table, /## Targets/);
});
