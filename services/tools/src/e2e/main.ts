// `make e2e`: the chart on a real cluster, checked as a user would check it.
// Against the current kube context (kind, minikube, or the local cluster of
// ../shared/kube): build the images with the Dockerfile, load them into the
// cluster, install the chart into a namespace of its own, run the checks,
// write reports/e2e-<time>/report.{md,json}, then uninstall (KEEP=1 keeps a
// failed run's release for inspection).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { flag, loadConfigOrExit } from '@demo/platform';
import { repoRoot } from '../cluster/toolchain.js';
import { Front, RestFront, tokenFor } from './calls.js';
import { runCheck, type Check, type CheckReport, type E2eContext } from './check.js';
import { podsCheck } from './checks/pods.js';
import { readmeCheck } from './checks/readme.js';
import { balancingCheck, scaleUpCheck } from './checks/balancing.js';
import { faultsCheck } from './checks/faults.js';
import { metricsCheck, tracesCheck } from './checks/telemetry.js';
import { policiesCheck } from './checks/policies.js';
import { consoleCheck } from './checks/console.js';
import { gatewayMetricsCheck, gatewayRestCheck, gatewayTraceCheck } from './checks/gateway.js';
import { disruptionCheck, resourcesCheck } from './checks/disruption.js';
import { Cluster } from './cluster.js';
import { findPrograms, run } from './commands.js';
import type { PortForward } from '../cluster/port-forward.js';
import {
  buildImages,
  collectDiagnostics,
  createNamespace,
  detectTarget,
  helmArgs,
  helmInstall,
  loadImages,
  thirdPartyImages,
  uninstall,
  type BuiltImage,
} from './deploy.js';
import { tally, writeReport } from './report.js';
import { ResourceSampler } from './resources.js';

const config = loadConfigOrExit(
  z.object({
    KEEP: flag(false),
    E2E_NAMESPACE: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a namespace name')
      .default('grpc-demo-e2e'),
    /** Grafana on or off; by default off only on the local cluster, which has no Grafana image. */
    GRAFANA: z.enum(['auto', 'true', 'false']).default('auto'),
    /** Reuse the images of an earlier run instead of building them. */
    E2E_SKIP_BUILD: flag(false),
    /** A comma-separated list of check numbers to run (all by default); the pods check always runs. */
    E2E_CHECKS: z
      .string()
      .regex(/^\d+(,\d+)*$/, 'expected check numbers like 1,3,5')
      .optional(),
  }),
);

// Checks 9 and 10 restart every pod (the forwards end with them), so they come last.
const checks: Check[] = [
  podsCheck,
  readmeCheck,
  balancingCheck,
  scaleUpCheck,
  faultsCheck,
  tracesCheck,
  metricsCheck,
  policiesCheck,
  consoleCheck,
  gatewayRestCheck,
  gatewayTraceCheck,
  gatewayMetricsCheck,
  disruptionCheck,
  resourcesCheck,
];
const wanted = config.E2E_CHECKS?.split(',').map(Number);
// The pods check and the README's commands (which seed the users) always run.
const selected = checks.filter((check) => check.id <= 2 || !wanted || wanted.includes(check.id));

const startedAt = new Date();
const reportDir = join(repoRoot, 'reports', `e2e-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(reportDir, { recursive: true });
const phases: Record<string, number> = {};
async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const begun = Date.now();
  console.log(`e2e: ${name}...`);
  try {
    return await work();
  } finally {
    phases[name] = Math.round((Date.now() - begun) / 100) / 10;
  }
}

const programs = findPrograms(process.env);
const target = await detectTarget(programs, process.env);
const grafana = config.GRAFANA === 'auto' ? target.loader !== 'kube-local' : config.GRAFANA === 'true';
const cluster = new Cluster(programs, config.E2E_NAMESPACE);
const imageTag = 'e2e';
const args = helmArgs(target, imageTag, { grafana });
const version = await run(programs.kubectl, ['version', '-o', 'json'], { timeoutMs: 15_000 });
const kubernetesVersion =
  (JSON.parse(version.stdout) as { serverVersion?: { gitVersion?: string } }).serverVersion?.gitVersion ?? 'unknown';
console.log(
  `e2e: context ${target.context} (${target.loader}), Kubernetes ${kubernetesVersion}, namespace ${cluster.namespace}`,
);

const reports: CheckReport[] = [];
const forwards: PortForward[] = [];
let images: BuiltImage[] = [];
let diagnostics: string[] = [];
let front: Front | undefined;
let failure: string | undefined;

try {
  if (!config.E2E_SKIP_BUILD) images = await phase('build images', () => buildImages(programs, imageTag));
  await phase('load images', () =>
    loadImages(
      target,
      [
        ...(images.length > 0 ? images.map((i) => i.image) : []),
        ...(target.loader === 'kube-local' ? thirdPartyImages({ grafana }) : []),
      ],
      process.env,
    ),
  );
  await phase('install', async () => {
    // A release kept by an earlier KEEP=1 run would carry its users over: start clean.
    await uninstall(cluster);
    await createNamespace(cluster);
    await helmInstall(cluster, args);
  });

  const context: Partial<E2eContext> & Pick<E2eContext, 'cluster'> = { cluster };
  await phase('checks', async () => {
    const [first, ...rest] = selected;
    if (!first) return;
    const podsReport = await runCheck(first, context as E2eContext);
    reports.push(podsReport);
    report(podsReport);
    if (podsReport.status === 'failed') throw new Error('the pods are not Ready: the other checks cannot run');

    const jwtSecret = Buffer.from(
      (await cluster.getJson<{ data: Record<string, string> }>(['secret', 'grpc-demo-jwt'])).data['JWT_SECRET'] ?? '',
      'base64',
    ).toString();
    const open = async (resource: string, port: number) => {
      const forward = await cluster.forward(resource, port);
      forwards.push(forward);
      return forward;
    };
    const tokens = { user: await tokenFor(jwtSecret, 'user'), admin: await tokenFor(jwtSecret, 'admin') };
    const aggregator = await open('svc/aggregator-headless', 50051);
    front = new Front(aggregator.address, tokens.user);
    const gateway = await open('svc/gateway', 8080);
    const full: E2eContext = {
      cluster,
      programs,
      target,
      grafana,
      helmArgs: args,
      imageTag,
      jwtSecret,
      tokens,
      forwards: {
        aggregator,
        user: await open('svc/user-headless', 50051),
        gateway,
        jaeger: await open('svc/jaeger', 16686),
        prometheus: await open('svc/prometheus', 9090),
      },
      front,
      rest: new RestFront(gateway.address, tokens.user),
      resources: new ResourceSampler(cluster),
      shared: new Map(),
    };
    for (const check of rest) {
      const result = await runCheck(check, full);
      reports.push(result);
      report(result);
      if (check.id === readmeCheck.id) await warmUp();
    }
  });
} catch (error) {
  failure = error instanceof Error ? error.message : String(error);
  console.error(`e2e: ${failure}`);
} finally {
  front?.close();
  await Promise.all(forwards.map((forward) => forward.close()));
}

/**
 * Ready pods are not yet a warm system: an aggregator that looked for the
 * recommendation pods before they were Ready answers degraded until it looks
 * again (within seconds). The checks after the README's start from there.
 */
async function warmUp() {
  const started = Date.now();
  await cluster.waitFor('a GetUserHome answer that is not degraded', 60_000, async () => {
    const call = await front?.home(1);
    return call?.outcome === 'ok' ? true : undefined;
  });
  phases['first healthy answer after the README'] = Math.round((Date.now() - started) / 100) / 10;
}

function report(check: CheckReport) {
  const mark = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' }[check.status];
  console.log(`e2e: ${mark} ${check.id}. ${check.title} (${check.seconds} s)`);
  for (const problem of check.problems) console.log(`       problem: ${problem.split('\n').join('\n       ')}`);
  for (const note of check.notes) console.log(`       ${note}`);
}

const { passed, failed, skipped } = tally(reports);
const ok = failure === undefined && failed === 0 && reports.length === selected.length;
if (!ok) diagnostics = await collectDiagnostics(cluster, reportDir).catch(() => []);
if (ok || !config.KEEP) await phase('uninstall', () => uninstall(cluster));
else
  console.log(
    `e2e: KEEP=1: the release stays in namespace ${cluster.namespace}; remove it with: kubectl delete namespace ${cluster.namespace}`,
  );

writeReport(reportDir, {
  startedAt: startedAt.toISOString(),
  seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
  context: target.context,
  loader: target.loader,
  namespace: cluster.namespace,
  kubernetesVersion,
  images,
  phases,
  checks: reports,
  diagnostics,
});
console.log(`e2e: report in ${join(reportDir, 'report.md')} (and report.json)`);
// The closing line CI reads; a check that could not run counts as failed.
const notRun = Math.max(selected.length - reports.length, failure === undefined ? 0 : 1);
console.log(`e2e: ${passed} passed, ${failed + notRun} failed, ${skipped} skipped`);
process.exit(ok ? 0 : 1);
