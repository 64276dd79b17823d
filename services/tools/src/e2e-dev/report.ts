/**
 * The e2e-dev report: report.json (every figure) and report.md (the same
 * for a person), beside skaffold.log (every line skaffold printed).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckReport } from '../e2e/check.js';

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

/** The inner-loop section of BENCHMARKS.md: this run's figures beside the ones measured by hand before (issue 17). */
export function innerLoopMarkdown(report: DevReport, reportFile: string): string {
  const figure = (title: string, name: string) => {
    const value = report.steps.find((step) => step.title === title)?.figures[name];
    return value === undefined ? 'not measured' : text(value);
  };
  const list = (title: string, name: string) => {
    const value = report.steps.find((step) => step.title === title)?.figures[name];
    return Array.isArray(value) ? value.join(', ') || 'none' : 'not measured';
  };
  const [, , , data, code, broken, , cleanup] = report.steps.map((step) => step.title);
  const first = report.steps[1]?.title ?? '';
  return [
    '## The inner loop: `make dev`, measured by `make e2e-dev`',
    '',
    `Measured ${report.startedAt.slice(0, 10)} by \`make e2e-dev\` on 2 cores: skaffold ${report.skaffold} (\`skaffold dev\`,`,
    'polling every 500 ms) on the local single-node cluster, images pushed to a local `docker-registry`, warm Docker',
    "build cache. Each edit is timed from the save to the first GetUserHome through skaffold's own forward of the",
    'aggregator that shows it. Before: measured by hand once (issue 17), the same cluster and registry.',
    '',
    '| step | before | now | target |',
    '| --- | --- | --- | --- |',
    `| first build and deploy: start to "Deployments stabilized" | stabilised in 20 s | ${figure(first, 'startToStabilizedSeconds')} s (builds ${figure(first, 'buildSeconds')} s, stabilised in ${figure(first, 'stabilizedSeconds')} s) | |`,
    `| a product title in services/recommendation/data/catalog.json: save to answer | 23.7 s | ${figure(data ?? '', 'saveToAnswerSeconds')} s | 15 s |`,
    `| Deployments it rolled | user, aggregator, console, recommendation | ${list(data ?? '', 'deploymentsRolled')} | recommendation alone |`,
    `| one line of the user service's TypeScript: save to answer | not measured | ${figure(code ?? '', 'saveToAnswerSeconds')} s | 30 s |`,
    `| Deployments it rolled | | ${list(code ?? '', 'deploymentsRolled')} | user alone |`,
    `| a type error: save to skaffold's "build failed" (the old answer kept) | | ${figure(broken ?? '', 'saveToBuildFailureSeconds')} s | |`,
    `| the fix: save to answer | | ${figure(broken ?? '', 'fixToAnswerSeconds')} s | |`,
    `| Ctrl-C to the release uninstalled and no pod left | | ${figure(cleanup ?? '', 'cleanupSeconds')} s (skaffold exited after ${figure(cleanup ?? '', 'exitSeconds')} s) | |`,
    '',
    `The whole check took ${report.seconds} s. Every figure and every line skaffold printed: ${reportFile}.`,
    '',
  ].join('\n');
}
