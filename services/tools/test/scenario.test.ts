import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runToExit } from '@demo/testkit/processes';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A short run of `make scenario` (the full one is a benchmark): the hung
// recommendation scenario at a low rate, defenses on and off.
const runner = fileURLToPath(new URL('../src/scenario/main.js', import.meta.url));

test('the scenario runner writes a report that shows the hung dependency contained with defenses on and cascading with them off', async () => {
  const reportDir = mkdtempSync(join(tmpdir(), 'scenario-report-'));
  const { code, output } = await runToExit(runner, {
    env: {
      SCENARIO: 'recommendation-hung',
      RATE: '25',
      BASELINE_SECONDS: '1',
      FAULT_SECONDS: '3',
      RECOVERY_SECONDS: '2',
      REPORT_DIR: reportDir,
    },
    timeoutMs: 90_000,
  });
  assert.equal(code, 0, output);

  const markdownPath = /report: (\S+report\.md)/.exec(output)?.[1];
  assert.ok(markdownPath, `the runner prints the report's path:\n${output}`);
  const markdown = readFileSync(markdownPath, 'utf8');
  const rows = markdown.split('\n').filter((line) => /^\| (on|off) \| (baseline|fault|recovery) \|/.test(line));
  assert.equal(rows.length, 6, 'a row per phase for each mode');
  const cell = (mode: string, phase: string, column: number) => {
    const row = rows.find((line) => line.startsWith(`| ${mode} | ${phase} |`)) ?? '';
    return row.split('|')[column]?.trim() ?? '';
  };
  assert.equal(cell('on', 'fault', 6), '0', 'no client error with the defenses on');
  assert.notEqual(cell('off', 'fault', 6), '0', 'client errors with the defenses off: the cascade');

  const html = readFileSync(markdownPath.replace(/report\.md$/, 'report.html'), 'utf8');
  assert.equal(html.match(/<svg /g)?.length, 2, 'a chart for each mode');
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/, 'self-contained: no scripts, nothing fetched');
});
