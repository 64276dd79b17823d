/**
 * The e2e-dev report: report.json (every figure) and report.md (the same
 * for a person), beside skaffold.log (every line skaffold printed).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckReport } from '../check.js';

export interface DevReport {
  startedAt: string;
  seconds: number;
  context: string;
  namespace: string;
  skaffold: string;
  registry: string | undefined;
  firstDeploySeconds: number | undefined;
  steps: CheckReport[];
}

const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export function writeDevReport(dir: string, report: DevReport): void {
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const failed = report.steps.filter((s) => s.status === 'failed').length;
  const lines = [
    `# make e2e-dev: ${failed === 0 ? 'passed' : 'FAILED'}`,
    '',
    `${report.startedAt}, ${report.seconds} s in all: skaffold ${report.skaffold} on context \`${report.context}\`,`,
    `namespace \`${report.namespace}\`, registry ${report.registry ?? 'none'}. Every line skaffold printed: [skaffold.log](skaffold.log).`,
    '',
  ];
  for (const step of report.steps) {
    lines.push(`## ${step.id}. ${step.title}: ${step.status === 'passed' ? 'PASS' : 'FAIL'} (${step.seconds} s)`, '');
    for (const problem of step.problems) lines.push(`- **problem:** ${problem.replaceAll('\n', '\n  ')}`);
    for (const note of step.notes) lines.push(`- ${note}`);
    const figures = Object.entries(step.figures);
    if (figures.length > 0) {
      lines.push('', '| figure | value |', '| --- | --- |');
      for (const [name, value] of figures) lines.push(`| ${name} | \`${text(value).replaceAll('|', '\\|')}\` |`);
    }
    lines.push('');
  }
  writeFileSync(join(dir, 'report.md'), lines.join('\n'));
}
