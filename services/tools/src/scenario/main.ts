// `make scenario` (SCENARIO=name for one): every failure scenario, with the
// defenses on and then off, each against a freshly started local system;
// writes reports/scenarios-<time>/report.md and report.html and prints the path.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfigOrExit } from '@demo/platform';
import { checks, type Mode, type RunRecord } from './analysis.js';
import { htmlReport, markdownReport } from './report.js';
import { runScenario } from './runner.js';
import { scenarios } from './scenarios.js';

const config = loadConfigOrExit(
  z.object({
    SCENARIO: z.enum(['all', ...scenarios.map((s) => s.name)] as [string, ...string[]]).default('all'),
    MODES: z
      .string()
      .regex(/^(on|off)(,(on|off))*$/, 'expected on, off or on,off')
      .default('on,off'),
    RATE: z.coerce.number().positive().max(5000).default(100),
    BASELINE_SECONDS: z.coerce.number().positive().max(600).default(10),
    FAULT_SECONDS: z.coerce.number().positive().max(600).default(15),
    RECOVERY_SECONDS: z.coerce.number().positive().max(600).default(10),
    DEADLINE_MS: z.coerce.number().int().positive().default(1000),
    RECOMMENDATION_TIMEOUT_MS: z.coerce.number().int().positive().default(300),
    BREAKER_HALF_OPEN_AFTER_MS: z.coerce.number().int().positive().default(2000),
    REPORT_DIR: z.string().default('reports'),
  }),
);

const selected = config.SCENARIO === 'all' ? scenarios : scenarios.filter((s) => s.name === config.SCENARIO);
const modes = config.MODES.split(',') as Mode[];
const started = new Date();
const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
const records: RunRecord[] = [];

for (const scenario of selected) {
  for (const mode of modes) {
    console.log(`${scenario.name}, defenses ${mode}: ${config.RATE} req/s`);
    const record = await runScenario(scenario, mode, {
      rate: config.RATE,
      phaseMs: {
        baseline: config.BASELINE_SECONDS * 1000,
        fault: config.FAULT_SECONDS * 1000,
        recovery: config.RECOVERY_SECONDS * 1000,
      },
      deadlineMs: config.DEADLINE_MS,
      recommendationTimeoutMs: config.RECOMMENDATION_TIMEOUT_MS,
      halfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER_MS,
      samplingMs: 200,
      log: (line) => console.log(line),
    });
    records.push(record);
    for (const check of checks(record))
      console.log(`  ${check.passed ? 'PASS' : 'FAIL'} ${check.text}: ${check.measured}`);
  }
}

const directory = resolve(config.REPORT_DIR, `scenarios-${started.toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(directory, { recursive: true });
writeFileSync(join(directory, 'report.md'), markdownReport(records, { started, machine }));
writeFileSync(join(directory, 'report.html'), htmlReport(records, { started, machine }));
writeFileSync(join(directory, 'samples.json'), JSON.stringify(records));
console.log(`\nreport: ${join(directory, 'report.md')}\n        ${join(directory, 'report.html')}`);
