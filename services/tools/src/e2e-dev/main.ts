// `make e2e-dev`: the inner loop a person runs with `make dev`, for real, on
// the current cluster. A local registry (Debian's docker-registry on
// 127.0.0.1), the pinned skaffold running `skaffold dev` in a temporary copy
// of this checkout, in a namespace of its own; then, as a person would:
// the README's GetUserHome through skaffold's own forward of the aggregator,
// the control room through its forward, an edit to a data file, an edit to
// a service's TypeScript, a build broken on purpose and mended, and Ctrl-C.
// Each edit is timed from the save to the first answer that shows it, and
// the Deployments it rolled are named. Writes reports/e2e-dev-<time>/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';
import { loadConfigOrExit } from '@demo/platform';
import { paths, repoRoot } from '../cluster/toolchain.js';
import { Front, tokenFor } from '../e2e/calls.js';
import { CheckRecorder, type CheckReport, type CheckStatus } from '../e2e/check.js';
import { Cluster } from '../e2e/cluster.js';
import { findPrograms, run } from '../e2e/commands.js';
import type { PortForward } from '../cluster/port-forward.js';
import {
  createNamespace,
  detectTarget,
  loadImages,
  release,
  removeDockerTags,
  removeNodeImages,
  thirdPartyImages,
  uninstall,
} from '../e2e/deploy.js';
import { readmeClusterBlock } from '../e2e/checks/readme.js';
import { copyCheckout, editFile } from './checkout.js';
import { startRegistry, type Registry } from './registry.js';
import { SkaffoldDev } from './skaffold-dev.js';
import { isBuildFailure, isUnusedImageWarning, parseStabilized, type Forward } from './skaffold-output.js';
import { innerLoopMarkdown, writeDevReport, type DevReport } from './report.js';
import { writeInnerLoopPart } from '../benchmarks-file.js';

const config = loadConfigOrExit(
  z.object({
    E2E_DEV_NAMESPACE: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a namespace name')
      .default('grpc-demo-dev'),
    /** Grafana on or off; by default off only on the local cluster, which has no Grafana image. */
    GRAFANA: z.enum(['auto', 'true', 'false']).default('auto'),
    /** The skaffold to run: the pinned one of `make skaffold` by default. */
    SKAFFOLD: z.string().default(join(paths.tools, 'bin/skaffold')),
  }),
);

// The bounds of every wait: a cold first build compiles everything and
// installs node_modules in the images; an edit rebuilds one image.
const firstDeployMs = 15 * 60_000;
const editMs = 180_000;
const settleMs = 120_000;
const cleanupMs = 120_000;
/** The targets of the issue, on two cores with warm caches. */
const targets = { dataEditSeconds: 15, codeEditSeconds: 30 };
const components = ['user', 'recommendation', 'aggregator', 'console'] as const;

const startedAt = new Date();
const reportDir = join(repoRoot, 'reports', `e2e-dev-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(reportDir, { recursive: true });

if (!existsSync(config.SKAFFOLD)) {
  console.error(`e2e-dev: ${config.SKAFFOLD} is missing: run make skaffold (or set SKAFFOLD)`);
  process.exit(1);
}
const programs = findPrograms(process.env);
const target = await detectTarget(programs, process.env);
const grafana = config.GRAFANA === 'auto' ? target.loader !== 'kube-local' : config.GRAFANA === 'true';
const cluster = new Cluster(programs, config.E2E_DEV_NAMESPACE);
const skaffoldVersion = (await run(config.SKAFFOLD, ['version'], { timeoutMs: 30_000 })).stdout.trim();
console.log(
  `e2e-dev: ${skaffoldVersion} on context ${target.context} (${target.loader}), namespace ${cluster.namespace}, Grafana ${grafana ? 'on' : 'off'}`,
);

const steps: CheckReport[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'grpc-demo-dev-'));
const checkout = join(scratch, 'checkout');
let registry: Registry | undefined;
let skaffold: SkaffoldDev | undefined;
let userForward: PortForward | undefined;
let front: Front | undefined;
let cleanedUp = false;
/** What cleaning up could not remove; the run fails with it. */
let leftBehind: string | undefined;

/**
 * Everything the check started, stopped, whatever happened: skaffold,
 * forwards, the release, the images the local cluster's node pulled from the
 * registry and the names skaffold gave them in Docker, the registry, the
 * copy.
 */
async function cleanUp() {
  if (cleanedUp) return;
  cleanedUp = true;
  front?.close();
  await userForward?.close();
  if (skaffold?.running) await skaffold.interrupt(60_000);
  await uninstall(cluster);
  if (registry) {
    const prefix = `${registry.repository}/`;
    try {
      if (target.loader === 'kube-local') {
        const removed = await removeNodeImages(prefix, process.env);
        console.log(`e2e-dev: removed from the node the ${removed} images it pulled from ${registry.repository}`);
      }
      const untagged = await removeDockerTags(programs.docker, prefix);
      console.log(`e2e-dev: removed from Docker the ${untagged} image names skaffold built for ${registry.repository}`);
    } catch (error) {
      leftBehind = error instanceof Error ? error.message : String(error);
      console.error(`e2e-dev: ${leftBehind}`);
    }
  }
  await registry?.stop();
  rmSync(scratch, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`e2e-dev: ${signal}: stopping what the check started`);
    void cleanUp().finally(() => process.exit(1));
  });
}

async function step(title: string, work: (r: CheckRecorder) => Promise<void>): Promise<boolean> {
  const r = new CheckRecorder();
  const started = Date.now();
  console.log(`e2e-dev: ${title}...`);
  try {
    await work(r);
  } catch (error) {
    r.problems.push(error instanceof Error ? error.message : String(error));
  }
  const status: CheckStatus = r.problems.length > 0 ? 'failed' : 'passed';
  const report: CheckReport = {
    id: steps.length + 1,
    title,
    status,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    figures: r.figures,
    notes: r.notes,
    problems: r.problems,
  };
  steps.push(report);
  console.log(`e2e-dev: ${status === 'passed' ? 'PASS' : 'FAIL'} ${report.id}. ${title} (${report.seconds} s)`);
  for (const problem of r.problems) console.log(`       problem: ${problem.split('\n').join('\n       ')}`);
  for (const [name, value] of Object.entries(r.figures)) console.log(`       ${name}: ${JSON.stringify(value)}`);
  return status === 'passed';
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

interface Snapshot {
  generations: Record<string, number>;
  pods: Record<string, string[]>;
}

/** Each Deployment's generation (a rollout raises it) and each component's pods. */
async function snapshot(): Promise<Snapshot> {
  const deployments = await cluster.getJson<{ items: { metadata: { name: string; generation: number } }[] }>([
    'deployments',
  ]);
  const pods = await cluster.pods();
  return {
    generations: Object.fromEntries(deployments.items.map((d) => [d.metadata.name, d.metadata.generation])),
    pods: Object.fromEntries(
      components.map((component) => [
        component,
        pods
          .filter((pod) => pod.component === component)
          .map((pod) => pod.name)
          .sort(),
      ]),
    ),
  };
}

/** Every Deployment rolled out in full: updated, ready and alone (no pod of an older one left). */
async function waitSettled(): Promise<void> {
  interface DeploymentJson {
    metadata: { name: string; generation: number };
    spec: { replicas: number };
    status: { observedGeneration?: number; updatedReplicas?: number; readyReplicas?: number; replicas?: number };
  }
  await cluster.waitFor('every Deployment rolled out and no old pod left', settleMs, async () => {
    const { items } = await cluster.getJson<{ items: DeploymentJson[] }>(['deployments']);
    const done = items.every(
      (d) =>
        d.status.observedGeneration === d.metadata.generation &&
        d.status.updatedReplicas === d.spec.replicas &&
        d.status.readyReplicas === d.spec.replicas &&
        d.status.replicas === d.spec.replicas,
    );
    const pods = await cluster.pods();
    return done && pods.every((pod) => !pod.deleting) ? true : undefined;
  });
}

function rolled(before: Snapshot, after: Snapshot) {
  const deployments = Object.keys(after.generations)
    .filter((name) => after.generations[name] !== before.generations[name])
    .sort();
  const replaced = components.filter(
    (component) => JSON.stringify(before.pods[component]) !== JSON.stringify(after.pods[component]),
  );
  return { deployments, replaced };
}

/** Polls GetUserHome for user 1 through skaffold's forward until `shows` holds; the time from `savedAt`. */
async function timeToAnswer(what: string, savedAt: number, shows: (answer: HomeAnswer) => boolean): Promise<number> {
  const giveUp = savedAt + editMs;
  while (Date.now() < giveUp) {
    const call = await front?.home(1, { deadlineMs: 2000 });
    if (call?.answer && shows(call.answer)) return (Date.now() - savedAt) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no answer showed ${what} within ${editMs / 1000} s of the save`);
}
type HomeAnswer = NonNullable<Awaited<ReturnType<Front['home']>>['answer']>;

/** An edit, the answer that shows it, the rollout it caused, and which Deployments and pods it replaced. */
async function measureEdit(
  r: CheckRecorder,
  edit: { file: string; before: string; after: string; shows: (answer: HomeAnswer) => boolean; what: string },
  expectRolled: string,
  targetSeconds: number,
) {
  const before = await snapshot();
  const fromLine = skaffold?.output.lines.length ?? 0;
  const savedAt = editFile(join(checkout, edit.file), edit.before, edit.after);
  const answerSeconds = await timeToAnswer(edit.what, savedAt, edit.shows);
  r.figure('saveToAnswerSeconds', seconds(answerSeconds * 1000));
  r.figure('targetSeconds', targetSeconds);
  if (answerSeconds > targetSeconds)
    r.note(`over the target: ${seconds(answerSeconds * 1000)} s against ${targetSeconds} s`);
  const stabilized = await skaffold?.output.waitForLine(
    'a second "Deployments stabilized"',
    (line) => parseStabilized(line) !== undefined,
    editMs,
    fromLine,
  );
  r.figure(
    'skaffoldStabilizedSeconds',
    stabilized === undefined ? undefined : seconds((parseStabilized(stabilized) ?? 0) * 1000),
  );
  r.figure('saveToStabilizedSeconds', seconds(Date.now() - savedAt));
  await waitSettled();
  const after = await snapshot();
  const { deployments, replaced } = rolled(before, after);
  r.figure('deploymentsRolled', deployments);
  r.figure('podsReplaced', replaced);
  r.figure(
    'podsKept',
    components.filter((c) => !replaced.includes(c)),
  );
  r.expect(
    JSON.stringify(deployments) === JSON.stringify([expectRolled]),
    `the edit rolled ${deployments.join(', ') || 'nothing'}, not ${expectRolled} alone`,
  );
  r.expect(
    JSON.stringify(replaced) === JSON.stringify([expectRolled]),
    `the edit replaced the pods of ${replaced.join(', ') || 'nothing'}, not of ${expectRolled} alone`,
  );
}

let firstDeploySeconds: number | undefined;
let forwards = new Map<string, Forward>();
let original: { name: string; productId: string; title: string } | undefined;
let ok: boolean;
try {
  ok = await step('A registry on 127.0.0.1 and a copy of the checkout', async (r) => {
    registry = await startRegistry();
    r.figure('registry', registry.repository);
    r.figure('filesCopied', copyCheckout(repoRoot, checkout));
    // A namespace that admits only pods of the restricted Pod Security Standard, as make e2e's.
    await uninstall(cluster);
    await createNamespace(cluster);
    // The chart's third-party images, where the cluster has no registry for them (as make e2e loads them).
    if (target.loader === 'kube-local') await loadImages(target, thirdPartyImages({ grafana }), process.env);
  });

  ok &&= await step('skaffold dev: the first build and deploy, and its forwards', async (r) => {
    if (!registry) throw new Error('no registry');
    const globalConfig = join(scratch, 'skaffold-global.yaml');
    // skaffold's own settings file, for this run alone: no update check, no metrics, no survey.
    writeFileSync(
      globalConfig,
      'global:\n  update-check: false\n  collect-metrics: false\n  survey:\n    disable-prompt: true\nkubeContexts: []\n',
    );
    skaffold = new SkaffoldDev({
      skaffold: config.SKAFFOLD,
      cwd: checkout,
      // make dev's flags, and what running without a person needs.
      args: [
        '--port-forward=user',
        '--trigger=polling',
        '--watch-poll-interval=500',
        '--interactive=false',
        '--update-check=false',
        `--config=${globalConfig}`,
      ],
      env: {
        ...process.env,
        SKAFFOLD_DEFAULT_REPO: registry.repository,
        // skaffold's variable for --namespace, which skaffold.yaml's forwards follow too.
        SKAFFOLD_NAMESPACE: cluster.namespace,
        GRAFANA: String(grafana),
        // helm, docker and kubectl as the check found them. docker's directory
        // goes before kubectl's: a kubectl in /usr/bin must not bring an older
        // docker CLI in /usr/bin ahead of the one on the PATH.
        PATH: [
          join(paths.tools, 'bin'),
          dirname(programs.docker),
          ...programs.pathDirs,
          process.env['PATH'] ?? '',
        ].join(':'),
      },
      logFile: join(reportDir, 'skaffold.log'),
    });
    const output = skaffold.output;
    await output.waitForLine(
      '"Watching for changes"',
      (line) => line.includes('Watching for changes'),
      firstDeployMs,
      0,
    );
    const at = (test: (line: string) => boolean) => output.lines.find(({ text }) => test(text))?.at;
    const deployStarted = at((line) => line.startsWith('Starting deploy'));
    const stabilized = output.lines.find(({ text }) => parseStabilized(text) !== undefined);
    if (deployStarted) r.figure('buildSeconds', seconds(deployStarted - skaffold.startedAt));
    if (stabilized) {
      firstDeploySeconds = seconds(stabilized.at - skaffold.startedAt);
      r.figure('stabilizedSeconds', seconds((parseStabilized(stabilized.text) ?? 0) * 1000));
      r.figure('startToStabilizedSeconds', firstDeploySeconds);
    }
    r.figure('targetPlatforms', [
      ...new Set(output.lines.flatMap(({ text }) => /Target platforms: \[([^\]]*)\]/.exec(text)?.[1] ?? [])),
    ]);
    for (const resource of ['service/aggregator-headless', 'service/console']) {
      await output.waitForLine(
        `a forward of ${resource}`,
        (line) => line.includes(`Port forwarding ${resource} `),
        60_000,
        0,
      );
    }
    forwards = output.forwards();
    r.figure(
      'forwards',
      [...forwards.values()].map((f) => ({ resource: f.resource, remote: f.remotePort, local: f.address })),
    );
    for (const forward of forwards.values()) {
      r.expect(forward.address.startsWith('127.0.0.1:'), `${forward.resource} forwarded to ${forward.address}`);
      r.expect(forward.namespace === cluster.namespace, `${forward.resource} forwarded from ${forward.namespace}`);
    }
    if (!grafana) {
      // skaffold's own lines, not the pods' logs it streams ("[pod container] ...").
      const grafanaLines = output.lines
        .filter(({ text }) => /grafana/i.test(text) && !text.startsWith('['))
        .map(({ text }) => text);
      r.expect(grafanaLines.length === 0, `Grafana is off, yet skaffold said:\n${grafanaLines.join('\n')}`);
    }
  });

  ok &&= await step("The README's GetUserHome through skaffold's forward, the control room through its", async (r) => {
    const aggregator = forwards.get('service/aggregator-headless');
    const console_ = forwards.get('service/console');
    if (!aggregator || !console_) throw new Error('skaffold forwarded no aggregator or no console');
    // The README seeds users through a forward of the user service, as make port-forward gives it.
    userForward = await cluster.forward('svc/user-headless', 50051);
    const script = readmeClusterBlock(readFileSync(join(repoRoot, 'README.md'), 'utf8'), {
      namespace: cluster.namespace,
      aggregator: aggregator.address,
      user: userForward.address,
    });
    const path = [...programs.pathDirs, join(repoRoot, 'node_modules/.bin'), process.env['PATH'] ?? ''].join(':');
    const result = await run('bash', ['-euo', 'pipefail', '-c', script], {
      timeoutMs: 120_000,
      allowFailure: true,
      env: { ...process.env, PATH: path, JWT_SECRET: '' },
    });
    r.expect(result.status === 0, `the README's cluster block failed:\n${result.stderr}${result.stdout}`);
    r.expect(/"name": "Ada Lovelace"/.test(result.stdout), 'GetUserHome did not answer with user 1, Ada Lovelace');

    const page = await fetch(`http://${console_.address}/`, { signal: AbortSignal.timeout(10_000) });
    const body = await page.text();
    r.figure('controlRoomStatus', page.status);
    r.expect(page.status === 200 && /<html/i.test(body), `the control room's page answered ${page.status}`);

    const jwtSecret = Buffer.from(
      (await cluster.getJson<{ data: Record<string, string> }>(['secret', 'grpc-demo-jwt'])).data['JWT_SECRET'] ?? '',
      'base64',
    ).toString();
    front = new Front(aggregator.address, await tokenFor(jwtSecret, 'user'));
    const answer = await cluster.waitFor('a GetUserHome answer that is not degraded', 60_000, async () => {
      const call = await front?.home(1);
      return call?.outcome === 'ok' ? call.answer : undefined;
    });
    const [first] = answer.recommendations;
    if (!answer.user || !first) throw new Error('GetUserHome answered without a user or recommendations');
    original = { name: answer.user.name, productId: first.productId, title: first.title };
    r.figure('answer', { user: original.name, firstRecommendation: `${first.productId}: ${first.title}` });
  });

  ok &&= await step('A product title edited in the recommendation catalog', async (r) => {
    if (!original) throw new Error('no answer to edit');
    const { productId, title } = original;
    const edited = `${title} (edited)`;
    r.figure('edit', `services/recommendation/data/catalog.json: ${productId} "${title}" -> "${edited}"`);
    await measureEdit(
      r,
      {
        file: 'services/recommendation/data/catalog.json',
        before: `"id": "${productId}",\n      "title": "${title}"`,
        after: `"id": "${productId}",\n      "title": "${edited}"`,
        shows: (answer) => answer.recommendations.some((rec) => rec.title === edited),
        what: `the title "${edited}"`,
      },
      'recommendation',
      targets.dataEditSeconds,
    );
  });

  // A one-line change to the user service's TypeScript, seen in the answer's user name.
  const userSource = 'services/user/src/service.ts';
  const nameLine = 'name: user.name,';
  ok &&= await step("A one-line change to the user service's TypeScript", async (r) => {
    r.figure('edit', `${userSource}: ${nameLine} -> name: \`\${user.name} (edited)\`,`);
    await measureEdit(
      r,
      {
        file: userSource,
        before: nameLine,
        after: 'name: `${user.name} (edited)`,',
        shows: (answer) => answer.user?.name === `${original?.name} (edited)`,
        what: 'the edited user name',
      },
      'user',
      targets.codeEditSeconds,
    );
  });

  ok &&= await step('A build broken on purpose keeps the last good deploy; the fix redeploys', async (r) => {
    const output = skaffold?.output;
    if (!output) throw new Error('skaffold is not running');
    const before = await snapshot();
    const fromLine = output.lines.length;
    // A type error: tsc stops the image's build.
    const brokenAt = editFile(join(checkout, userSource), 'name: `${user.name} (edited)`,', 'name: user.nam,');
    const failure = await output.waitForLine('that the build failed', isBuildFailure, editMs, fromLine);
    r.figure('saveToBuildFailureSeconds', seconds(Date.now() - brokenAt));
    r.note(`skaffold: ${failure.trim()}`);
    // The last good deploy still answers, unchanged, while the build is broken.
    const calls = [];
    for (let i = 0; i < 5; i++) {
      calls.push(await front?.home(1));
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const names = calls.map((call) => call?.answer?.user?.name ?? call?.outcome ?? 'no call');
    r.figure('answersWhileBroken', names);
    r.expect(
      names.every((name) => name === `${original?.name} (edited)`),
      `while the build was broken the answers were ${names.join(', ')}`,
    );
    const during = await snapshot();
    r.expect(
      JSON.stringify(during.generations) === JSON.stringify(before.generations),
      'a Deployment changed while the build was broken',
    );

    const fixedAt = editFile(join(checkout, userSource), 'name: user.nam,', 'name: `${user.name} (fixed)`,');
    const answerSeconds = await timeToAnswer('the fixed user name', fixedAt, (answer) =>
      Boolean(answer.user?.name.endsWith(' (fixed)')),
    );
    r.figure('fixToAnswerSeconds', seconds(answerSeconds * 1000));
    await output.waitForLine(
      '"Deployments stabilized" after the fix',
      (l) => parseStabilized(l) !== undefined,
      editMs,
      fromLine,
    );
    await waitSettled();
    const { deployments } = rolled(before, await snapshot());
    r.figure('deploymentsRolled', deployments);
    r.expect(JSON.stringify(deployments) === '["user"]', `the fix rolled ${deployments.join(', ')}, not user alone`);
  });

  ok &&= await step('No "image is not used" warning: the chart deploys exactly what skaffold built', async (r) => {
    const warnings = skaffold?.output.count(isUnusedImageWarning) ?? 0;
    r.figure('unusedImageWarnings', warnings);
    r.expect(warnings === 0, `skaffold warned ${warnings} times that a built image is not used`);
  });

  ok &&= await step('Ctrl-C: skaffold cleans up, the release uninstalled and no pod left', async (r) => {
    if (!skaffold) throw new Error('skaffold is not running');
    const pods = (await cluster.pods()).length;
    r.figure('podsBefore', pods);
    const interruptedAt = Date.now();
    const exit = await skaffold.interrupt(cleanupMs);
    if (!exit) throw new Error(`skaffold did not exit within ${cleanupMs / 1000} s of SIGINT (killed)`);
    r.figure('exitSeconds', seconds(exit.seconds * 1000));
    r.figure('exitStatus', exit.status);
    await cluster.waitFor('the release gone and no pod left', cleanupMs, async () => {
      const releases = await run(programs.helm, ['list', '--namespace', cluster.namespace, '--short', '--all'], {
        timeoutMs: 30_000,
      });
      const left = await cluster.pods();
      return releases.stdout.split('\n').includes(release) || left.length > 0 ? undefined : true;
    });
    r.figure('cleanupSeconds', seconds(Date.now() - interruptedAt));
    r.expect(skaffold.output.count((line) => line.includes('Cleaning up')) > 0, 'skaffold did not say it cleaned up');
  });
} catch (error) {
  ok = false;
  console.error(`e2e-dev: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await cleanUp();
}

const passed = steps.filter((s) => s.status === 'passed').length;
const failed = steps.length - passed;
const seconds_ = Math.round((Date.now() - startedAt.getTime()) / 1000);
const devReport: DevReport = {
  startedAt: startedAt.toISOString(),
  seconds: seconds_,
  context: target.context,
  namespace: cluster.namespace,
  skaffold: skaffoldVersion,
  registry: registry?.repository,
  firstDeploySeconds,
  steps,
};
writeDevReport(reportDir, devReport);
console.log(`e2e-dev: ${seconds_} s in all; report in ${join(reportDir, 'report.md')} (and report.json, skaffold.log)`);
if (ok && failed === 0) {
  // The figures go to BENCHMARKS.md too, beside make bench's (which keeps them).
  writeInnerLoopPart(
    join(repoRoot, 'BENCHMARKS.md'),
    innerLoopMarkdown(devReport, relative(repoRoot, join(reportDir, 'report.md'))),
  );
}
// The closing line CI reads; a step not reached counts as failed.
const stepCount = 8;
console.log(`e2e-dev: ${passed} passed, ${failed + Math.max(0, stepCount - steps.length)} failed`);
process.exit(ok && failed === 0 && steps.length === stepCount && !leftBehind ? 0 : 1);
