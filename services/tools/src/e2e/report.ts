/**
 * The e2e report: report.json (every figure, for a machine) and report.md
 * (the same for a person), under reports/e2e-<time>/.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckReport } from './check.js';
import type { BuiltImage, Target } from './deploy.js';

export interface E2eReport {
  startedAt: string;
  seconds: number;
  context: string;
  loader: Target['loader'];
  namespace: string;
  kubernetesVersion: string;
  images: BuiltImage[];
  phases: Record<string, number>;
  checks: CheckReport[];
  diagnostics: string[];
}

const mark = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' } as const;

function figureText(value: unknown): string {
  if (value === undefined) return 'none';
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** A list of flat records, shown as a table of its own. */
function isRows(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every((row) => typeof row === 'object' && row !== null);
}

export function tally(checks: readonly CheckReport[]) {
  return {
    passed: checks.filter((c) => c.status === 'passed').length,
    failed: checks.filter((c) => c.status === 'failed').length,
    skipped: checks.filter((c) => c.status === 'skipped').length,
  };
}

export function writeReport(dir: string, report: E2eReport): void {
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const { passed, failed, skipped } = tally(report.checks);
  const lines = [
    `# make e2e: ${failed === 0 ? 'passed' : 'FAILED'}`,
    '',
    `${report.startedAt}, ${report.seconds} s in all, context \`${report.context}\` (images loaded by ${report.loader}),`,
    `namespace \`${report.namespace}\`, Kubernetes ${report.kubernetesVersion}.`,
    `${passed} passed, ${failed} failed, ${skipped} skipped.`,
    '',
    '| phase | seconds |',
    '| --- | --- |',
    ...Object.entries(report.phases).map(([phase, seconds]) => `| ${phase} | ${seconds} |`),
    '',
    '| image | size | build |',
    '| --- | --- | --- |',
    ...report.images.map(
      (i) => `| ${i.image} | ${(i.bytes / 2 ** 20).toFixed(0)} MiB | ${i.buildSeconds.toFixed(0)} s |`,
    ),
    '',
  ];
  for (const check of report.checks) {
    lines.push(`## ${check.id}. ${check.title}: ${mark[check.status]} (${check.seconds} s)`, '');
    for (const problem of check.problems) lines.push(`- **problem:** ${problem.replaceAll('\n', '\n  ')}`);
    for (const note of check.notes) lines.push(`- ${note}`);
    const figures = Object.entries(check.figures);
    const tables = figures.filter(([, value]) => isRows(value));
    const scalars = figures.filter(([, value]) => !isRows(value));
    if (scalars.length > 0) {
      lines.push('', '| figure | value |', '| --- | --- |');
      for (const [name, value] of scalars) lines.push(`| ${name} | \`${figureText(value).replaceAll('|', '\\|')}\` |`);
    }
    for (const [name, rows] of tables as [string, Record<string, unknown>[]][]) {
      const columns = Object.keys(rows[0] ?? {});
      lines.push('', `${name}:`, '', `| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`);
      for (const row of rows)
        lines.push(`| ${columns.map((c) => figureText(row[c]).replaceAll('|', '\\|')).join(' | ')} |`);
    }
    lines.push('');
  }
  if (report.diagnostics.length > 0) {
    lines.push('## Diagnostics', '', ...report.diagnostics.map((file) => `- [${file}](${file})`), '');
  }
  writeFileSync(join(dir, 'report.md'), lines.join('\n'));
}
