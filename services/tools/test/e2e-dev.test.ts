import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { runCommandSync } from '@demo/testkit/processes';
import { paths, repoRoot } from '../src/cluster/toolchain.js';
import { readmeClusterBlock } from '../src/e2e/checks/readme.js';
import { copyCheckout, editFile } from '../src/e2e-dev/checkout.js';
import { startRegistry } from '../src/e2e-dev/registry.js';
import {
  isBuildFailure,
  isUnusedImageWarning,
  parseForward,
  parseStabilized,
  SkaffoldOutput,
} from '../src/e2e-dev/skaffold-output.js';

// The parts of `make e2e-dev` that need no cluster: reading skaffold's
// output, the registry, the checkout copy. The loop itself runs in CI
// against the local cluster of ../shared/kube.

test("skaffold's forward lines give the local port it really took, which moves when the configured one is taken", () => {
  assert.deepEqual(
    parseForward(
      'Port forwarding service/aggregator-headless in namespace grpc-demo-dev, remote port 50051 -> http://127.0.0.1:50051',
    ),
    {
      resource: 'service/aggregator-headless',
      namespace: 'grpc-demo-dev',
      remotePort: 50051,
      address: '127.0.0.1:50051',
      localPort: 50051,
    },
  );
  assert.equal(
    parseForward('Port forwarding service/console in namespace n, remote port 8080 -> http://127.0.0.1:8081')?.address,
    '127.0.0.1:8081',
  );
  assert.equal(parseForward('[aggregator] {"msg":"Port forwarding is fun"}'), undefined);

  const output = new SkaffoldOutput();
  output.push('Port forwarding service/console in namespace n, remote port 8080 -> http://127.0.0.1:8080\nPort forw');
  output.push('arding service/console in namespace n, remote port 8080 -> http://127.0.0.1:34567\n');
  assert.equal(output.forwards().get('service/console')?.localPort, 34567, 'the latest forward of a resource counts');
});

test("skaffold's stabilisation times are read in each of the forms it prints", () => {
  assert.equal(parseStabilized('Deployments stabilized in 20.123 seconds'), 20.123);
  assert.equal(parseStabilized('Deployments stabilized in 1.5 second'), 1.5);
  assert.equal(parseStabilized('Deployments stabilized in 2 minutes 3.5 seconds'), 123.5);
  assert.equal(parseStabilized('Deployments stabilized in 850.5ms'), 0.8505);
  assert.equal(parseStabilized('Waiting for deployments to stabilize...'), undefined);
});

test('a failed rebuild and an unused built image are recognised', () => {
  assert.ok(
    isBuildFailure('WARN[0042] Skipping test and deploy due to build error: building custom artifact: exit status 1'),
  );
  assert.ok(!isBuildFailure('Build [grpc-demo-user] succeeded'));
  assert.ok(isUnusedImageWarning('WARN[0030] image [localhost:5000/grpc-demo-user:abc@sha256:1] is not used.'));
  assert.ok(!isUnusedImageWarning('Tags used in deployment:'));
});

test('a wait for a line resolves on a line printed later, and fails when skaffold exits first', async () => {
  const output = new SkaffoldOutput();
  output.push('Starting deploy...\n');
  const watching = output.waitForLine('watching', (line) => line.includes('Watching for changes'), 5000);
  output.push('Press Ctrl+C to exit\nWatching for changes every 500ms...\n');
  assert.equal(await watching, 'Watching for changes every 500ms...');
  assert.equal(
    await output.waitForLine('deploy', (line) => line.startsWith('Starting deploy'), 10, 0),
    'Starting deploy...',
    'a line printed before the wait counts when the wait starts from line 0',
  );
  const never = output.waitForLine('stabilized', (line) => parseStabilized(line) !== undefined, 5000);
  output.failWaiters('skaffold exited (1)');
  await assert.rejects(never, /skaffold exited \(1\)/);
  await assert.rejects(
    output.waitForLine('nothing', () => false, 20),
    /did not print nothing within 0.02 s/,
  );
});

test(
  'the registry starts on 127.0.0.1, moves to another port when its port is taken, and stops',
  {
    skip: existsSync('/usr/bin/docker-registry')
      ? false
      : 'docker-registry is not installed (apt-get install docker-registry)',
  },
  async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as { port: number }).port;
    const registry = await startRegistry({ port: takenPort });
    try {
      assert.notEqual(registry.port, takenPort, 'the taken port was left to its holder');
      assert.equal(registry.repository, `localhost:${registry.port}`);
      const response = await fetch(`http://127.0.0.1:${registry.port}/v2/`);
      assert.equal(response.status, 200);
    } finally {
      await registry.stop();
      taken.close();
    }
    await assert.rejects(fetch(`http://127.0.0.1:${registry.port}/v2/`), 'stopped, it answers no more');
  },
);

test('the checkout copy holds the tracked files as they are, and an edit must name exactly one place', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'checkout-test-'));
  try {
    const copy = join(scratch, 'copy');
    const count = copyCheckout(repoRoot, copy);
    assert.ok(count > 100, `${count} files copied`);
    for (const file of ['skaffold.yaml', 'Dockerfile', 'services/recommendation/data/catalog.json']) {
      assert.equal(readFileSync(join(copy, file), 'utf8'), readFileSync(join(repoRoot, file), 'utf8'), file);
    }
    assert.ok(!existsSync(join(copy, 'node_modules')), 'no node_modules');
    assert.ok(!existsSync(join(copy, '.tools')), 'no tools');

    const file = join(scratch, 'edit.txt');
    writeFileSync(file, 'a = 1\nb = 1\n');
    assert.throws(() => editFile(file, '= 1', '= 3'), /expected "= 1" once, found it 2 times/);
    assert.throws(() => editFile(file, 'c = 1', 'c = 2'), /found it 0 times/);
    assert.equal(readFileSync(file, 'utf8'), 'a = 1\nb = 1\n', 'a refused edit changes nothing');
    const savedAt = editFile(file, 'a = 1', 'a = 2');
    assert.ok(Math.abs(savedAt - Date.now()) < 1000);
    assert.equal(readFileSync(file, 'utf8'), 'a = 2\nb = 1\n');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

// skaffold.yaml itself, through the pinned skaffold (make skaffold; CI builds
// it before the tests): its profiles apply, each image's tag follows its own
// inputs, and the chart renders with exactly the images skaffold built.
const skaffold = join(paths.tools, 'bin/skaffold');
const noSkaffold = existsSync(skaffold) ? false : `${skaffold} is not built (make skaffold)`;

/** skaffold in `cwd`, the pinned helm first on the PATH as make dev has it, non-interactive. */
function runSkaffold(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return runCommandSync(skaffold, [...args, '--update-check=false', '--interactive=false'], {
    cwd: options.cwd ?? repoRoot,
    env: {
      ...process.env,
      GRAFANA: '',
      PATH: `${join(paths.tools, 'bin')}:${process.env['PATH'] ?? ''}`,
      ...options.env,
    },
    timeoutMs: 120_000,
  });
}

interface EffectiveConfig {
  build: { platforms?: string[]; local?: { push?: boolean } };
  deploy: { helm: { releases: { valuesFiles?: string[]; setValues?: Record<string, string> }[] } };
  portForward: { resourceName: string }[];
}

function effectiveConfig(profiles: string[], env: Record<string, string> = {}): EffectiveConfig {
  const args = ['diagnose', '--yaml-only', ...(profiles.length > 0 ? ['-p', profiles.join(',')] : [])];
  return parse(runSkaffold(args, { env }).stdout) as EffectiveConfig;
}

test('every profile of skaffold.yaml applies, alone and with the others', { skip: noSkaffold }, () => {
  const plain = effectiveConfig([]);
  assert.equal(plain.build.platforms, undefined, "by default each image is built for the building machine's CPU");
  assert.deepEqual(
    plain.portForward.map((f) => f.resourceName),
    ['aggregator-headless', 'console', 'gateway', 'jaeger', 'prometheus', 'grafana'],
  );
  for (const profile of ['kind', 'minikube']) {
    const config = effectiveConfig([profile]);
    assert.equal(config.build.local?.push, false, `${profile} loads the images, no registry`);
    assert.deepEqual(config.deploy.helm.releases[0]?.valuesFiles, [
      join(repoRoot, `helm/grpc-demo/values-${profile}.yaml`),
    ]);
  }
  assert.deepEqual(effectiveConfig(['multi-arch']).build.platforms, ['linux/amd64', 'linux/arm64']);
  for (const [profiles, env] of [
    [['no-grafana'], {}],
    [['kind', 'no-grafana'], {}],
    [[], { GRAFANA: 'false' }],
  ] as const) {
    const config = effectiveConfig([...profiles], env);
    const where = profiles.join(',') || 'GRAFANA=false';
    assert.equal(config.deploy.helm.releases[0]?.setValues?.['grafana.enabled'], 'false', `${where}: Grafana off`);
    assert.deepEqual(
      config.portForward.map((f) => f.resourceName),
      ['aggregator-headless', 'console', 'gateway', 'jaeger', 'prometheus'],
      `${where}: nothing forwards to the Grafana left out`,
    );
  }
});

test(
  "a change to one service changes the tag of that service's image alone; a shared part changes every tag",
  { skip: noSkaffold },
  () => {
    const scratch = mkdtempSync(join(tmpdir(), 'skaffold-tags-'));
    try {
      copyCheckout(repoRoot, scratch);
      const tags = () =>
        Object.fromEntries(
          (
            JSON.parse(
              runSkaffold(['build', '--dry-run', '--quiet', '--default-repo=localhost:5000'], { cwd: scratch }).stdout,
            ) as { builds: { imageName: string; tag: string }[] }
          ).builds.map((build) => [build.imageName.replace('grpc-demo-', ''), build.tag]),
        );
      const changed = (before: Record<string, string>, after: Record<string, string>) =>
        Object.keys(after).filter((image) => after[image] !== before[image]);
      const append = (file: string, text: string) =>
        writeFileSync(join(scratch, file), readFileSync(join(scratch, file), 'utf8') + text);

      const first = tags();
      assert.deepEqual(Object.keys(first).sort(), ['aggregator', 'console', 'recommendation', 'user']);
      assert.deepEqual(tags(), first, 'nothing changed, no tag changed');
      append('services/recommendation/data/catalog.json', '\n');
      const afterData = tags();
      assert.deepEqual(changed(first, afterData), ['recommendation']);
      append('services/user/src/service.ts', '// edited\n');
      const afterUser = tags();
      assert.deepEqual(changed(afterData, afterUser), ['user']);
      append('services/user/test/users.test.ts', '// a test is not in the image\n');
      assert.deepEqual(changed(afterUser, tags()), [], 'a test is no input of any image');
      append('services/tools/src/token/main.ts', '// edited\n');
      append('services/testkit/src/wait.ts', '// edited\n');
      assert.deepEqual(changed(afterUser, tags()), [], 'the tools and the testkit are no input of any image');
      append('services/platform/src/config.ts', '// edited\n');
      assert.deepEqual(changed(afterUser, tags()).sort(), ['aggregator', 'console', 'recommendation', 'user']);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
);

test(
  'the chart renders with exactly the images skaffold built: repository, tag and the digest it pushed',
  { skip: noSkaffold },
  () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const services = ['user', 'recommendation', 'aggregator', 'console'];
    const render = (profiles: string[], builds: Record<string, string>) => {
      const scratch = mkdtempSync(join(tmpdir(), 'skaffold-render-'));
      try {
        const file = join(scratch, 'builds.json');
        writeFileSync(
          file,
          JSON.stringify({
            builds: Object.entries(builds).map(([service, tag]) => ({ imageName: `grpc-demo-${service}`, tag })),
          }),
        );
        const { stdout } = runSkaffold([
          'render',
          `--build-artifacts=${file}`,
          '--digest-source=tag',
          '--offline=true',
          '--namespace=ns-x',
          ...(profiles.length > 0 ? ['-p', profiles.join(',')] : []),
        ]);
        return parseAllDocuments(stdout).map((document) => document.toJSON() as RenderedObject);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    };
    const images = (objects: RenderedObject[]) =>
      Object.fromEntries(
        objects
          .filter((o) => o.kind === 'Deployment')
          .map((o) => [o.metadata.name, o.spec?.template?.spec?.containers?.[0]] as const),
      );

    // A registry: pushed images, pinned by digest.
    const pushed = Object.fromEntries(services.map((s) => [s, `localhost:5000/grpc-demo-${s}:${s}1@${digest}`]));
    const objects = render([], pushed);
    const deployed = images(objects);
    for (const service of services) assert.equal(deployed[service]?.image, pushed[service], service);
    assert.ok(deployed['grafana'], 'Grafana is on by default');
    assert.ok(
      objects.every((o) => o.metadata.namespace === undefined || o.metadata.namespace === 'ns-x'),
      'everything in the namespace skaffold was given',
    );
    const withoutGrafana = render(['no-grafana'], pushed);
    assert.equal(images(withoutGrafana)['grafana'], undefined, 'the no-grafana profile leaves Grafana out');
    assert.ok(!withoutGrafana.some((o) => o.metadata.name.includes('grafana')), 'nothing of Grafana is left');

    // kind: loaded images, named by tag alone (no digest, never pulled).
    const loaded = Object.fromEntries(services.map((s) => [s, `grpc-demo-${s}:${'c'.repeat(64)}`]));
    const onKind = images(render(['kind'], loaded));
    for (const service of services) {
      assert.equal(onKind[service]?.image, loaded[service], service);
      assert.equal(onKind[service]?.imagePullPolicy, 'Never', `${service} is loaded into the nodes on kind`);
    }
  },
);

interface RenderedObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { template?: { spec?: { containers?: { image: string; imagePullPolicy?: string }[] } } };
}

test("the README's cluster block runs through a forward that kept the README's own port", () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const script = readmeClusterBlock(readme, { namespace: 'n', aggregator: '127.0.0.1:50051', user: '127.0.0.1:41002' });
  assert.match(script, /127\.0\.0\.1:50051 demo\.aggregator\.v1\.AggregatorService\/GetUserHome/);
});
