import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkHealth } from '@demo/testkit/processes';
import { freePort } from '@demo/testkit/ports';
import { GiveUp, waitFor } from '@demo/testkit/wait';
import { grpcServices, type GrpcServiceName } from './cluster-objects.js';
import { ImageBuilder, workdir, type BuiltStage } from './image-files.js';
import { paths, runTool } from '../src/cluster/toolchain.js';

// The images, without Docker: each target's file set is built from the
// Dockerfile itself (image-files.ts: its COPY lines, its RUN lines, the
// .dockerignore), then the service starts from exactly those files with the
// image's own command, telemetry preload included.

const scratch = mkdtempSync(join(tmpdir(), 'image-'));
const images = new Map<GrpcServiceName | 'console', BuiltStage>();
const running = new Map<GrpcServiceName | 'console', { child: ChildProcess; metricsPort: number }>();

before(() => {
  const builder = new ImageBuilder(scratch);
  for (const service of [...grpcServices, 'console'] as const) images.set(service, builder.build(service));
  // Another user may read the image, as the container's non-root user does.
  chmodSync(scratch, 0o755);
});

after(async () => {
  for (const { child } of running.values()) {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

test('hadolint finds nothing to fix in the Dockerfile', () => {
  const result = runTool('hadolint', ['--no-color', paths.dockerfile]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

/**
 * Whether a user with no special access can reach `path`: every directory
 * above it searchable by others. A checkout in a private directory (mktemp -d
 * makes them 0700) keeps `nobody` from the Node binary, and then the test
 * runs the service as itself.
 */
function othersCanReach(path: string): boolean {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
  }
  return true;
}

/**
 * Starts the image's CMD with its ENV, /app being the staged directory. As
 * root (CI), the process runs as `nobody` where it can, so it can write
 * nowhere in the image, as with the chart's non-root user and read-only root
 * filesystem.
 */
async function startFromImage(service: GrpcServiceName | 'console', image: BuiltStage) {
  const [program, ...args] = image.command ?? [];
  assert.equal(program, 'node', `${service}: the image's CMD runs node`);
  const imageArgs = args.map((arg) => arg.replaceAll(workdir, image.dir));
  assert.ok(
    imageArgs.some((arg) => arg.startsWith('--import=') && arg.endsWith('/telemetry/preload.js')),
    `${service}: the CMD preloads telemetry`,
  );
  const child = spawn(process.execPath, imageArgs, {
    cwd: image.dir,
    env: {
      ...image.env,
      // The test's own ports and loopback, rather than the cluster's 0.0.0.0:50051.
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
      JWT_SECRET: 'image-test-secret-0123456789abcdef0123456789',
      // Spans are exported (and dropped: nothing listens), so the exporter loads too.
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
      HOME: '/nonexistent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(process.getuid?.() === 0 && othersCanReach(process.execPath) ? { uid: 65534, gid: 65534 } : {}),
  });
  let output = '';
  const lines: Record<string, unknown>[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    for (const line of chunk.split('\n').filter(Boolean)) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a log line.
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const alive = () => {
    if (child.exitCode !== null) throw new GiveUp(`${service} exited ${child.exitCode}:\n${output}`);
  };
  const grpcPort = await waitFor(`${service} to bind its port`, () => {
    alive();
    const serving = lines.find((line) => line['msg'] === 'serving');
    return typeof serving?.['address'] === 'string' ? Number(serving['address'].split(':').pop()) : undefined;
  });
  await waitFor(`${service} to report SERVING`, async () => {
    alive();
    if (service === 'console') return (await fetch(`http://127.0.0.1:${grpcPort}/readyz`)).ok ? true : undefined;
    return (await checkHealth(`127.0.0.1:${grpcPort}`)) === 'SERVING' ? true : undefined;
  });
  const metricsPort = lines.find((line) => line['msg'] === 'metrics listening')?.['port'];
  assert.equal(typeof metricsPort, 'number', `${service} logs its metrics port`);
  running.set(service, { child, metricsPort: metricsPort as number });
  return { output, port: grpcPort };
}

for (const service of grpcServices) {
  test(`${service} starts from exactly the files its image holds, with the image's command and telemetry preload, and reports SERVING`, async () => {
    const image = images.get(service);
    assert.ok(image, `the ${service} target was built`);
    const { output } = await startFromImage(service, image);
    assert.doesNotMatch(
      output,
      /loaded before|not be instrumented|Cannot find module/i,
      'the preload loads first, and finds everything it needs',
    );
  });
}

test('the console starts from exactly the files its image holds and serves its page, uPlot included, from them alone', async () => {
  const image = images.get('console');
  assert.ok(image, 'the console target was built');
  const { output, port } = await startFromImage('console', image);
  assert.doesNotMatch(output, /loaded before|not be instrumented|Cannot find module/i);
  for (const [path, type] of [
    ['/', 'text/html'],
    ['/app.js', 'text/javascript'],
    ['/trace.js', 'text/javascript'],
    [`/trace/${'0'.repeat(32)}`, 'text/html'],
    ['/app.css', 'text/css'],
    ['/vendor/uPlot.esm.js', 'text/javascript'],
    ['/vendor/uPlot.min.css', 'text/css'],
  ] as const) {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    assert.equal(response.status, 200, `GET ${path}`);
    assert.ok(response.headers.get('content-type')?.startsWith(type), `GET ${path} is ${type}`);
  }
  const present = (path: string) => existsSync(join(image.dir, path));
  assert.ok(!present('services/console/web/app.ts'), 'no TypeScript sources');
  assert.ok(!present('node_modules/playwright-core/package.json'), 'no playwright-core: a test dependency');
});

test('the image holds production dependencies only, the protos, and no tests or sources', () => {
  const image = images.get('aggregator');
  assert.ok(image);
  const present = (path: string) => existsSync(join(image.dir, path));
  assert.ok(present('proto/descriptor-set.binpb'), 'the descriptor set reflection serves');
  assert.ok(present('proto/demo/aggregator/v1/aggregator_service.proto'), 'the .proto files loaded at run time');
  assert.ok(present('node_modules/@grpc/grpc-js/package.json'), 'runtime dependencies');
  for (const devOnly of ['typescript', 'eslint', 'prettier', '@bufbuild/buf', 'node', 'dockerfile-ast']) {
    assert.ok(!present(`node_modules/${devOnly}/package.json`), `no ${devOnly}: a development dependency`);
  }
  // sdk-node pins its sibling packages to exact versions: any other version of
  // one of them is a whole second tree of exporters (213 MB where 68 MB will do).
  const nested = readdirSync(join(image.dir, 'node_modules/@opentelemetry')).filter((name) =>
    existsSync(join(image.dir, 'node_modules/@opentelemetry', name, 'node_modules')),
  );
  assert.deepEqual(nested, [], 'one copy of each OpenTelemetry package');
  // patches/: without it an aged connection drops its streams at the next keepalive ping.
  for (const file of ['server.js', 'transport.js']) {
    const code = readFileSync(join(image.dir, 'node_modules/@grpc/grpc-js/build/src', file), 'utf8');
    assert.match(code, /grpc\/grpc-node#3068/, `grpc-js's ${file} carries the project's patch`);
  }
  assert.ok(!present('services/aggregator/src/main.ts'), 'no TypeScript sources');
  assert.ok(!present('services/aggregator/dist/test/aggregator.test.js'), 'no compiled tests');
  for (const workspace of ['testkit', 'tools', 'in-cluster-load', 'gateway']) {
    assert.ok(
      !present(`node_modules/@demo/${workspace}/package.json`),
      `no @demo/${workspace}: nothing in the image uses it`,
    );
    assert.ok(!present(`services/${workspace}/dist`), `no compiled ${workspace}`);
  }
});

test('every metric the Grafana dashboard queries is one the services export', async () => {
  assert.equal(
    running.size,
    grpcServices.length + 1,
    'the services and the console started from their images (tests above)',
  );
  const exported = new Set<string>();
  for (const { metricsPort } of running.values()) {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    for (const match of text.matchAll(/^# TYPE (\S+) (\w+)/gm)) {
      const [, name = '', type] = match;
      // OpenMetrics names a counter's family without _total; PromQL asks for the samples.
      if (type === 'counter') exported.add(`${name}_total`);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${name}${suffix}`);
      exported.add(name);
    }
  }
  const dashboard = JSON.parse(readFileSync(join(paths.chart, 'dashboards/grpc-demo.json'), 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets ?? []) {
      for (const metric of metricNames(expr)) {
        assert.ok(exported.has(metric), `"${panel.title}" queries ${metric}, which no service exports`);
      }
    }
  }
});

const promqlWords = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
]);

/** The metric names in a PromQL expression: words that are neither functions, keywords, labels nor strings. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  return [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
    .map((match) => match[1] ?? '')
    .filter((word) => !promqlWords.has(word) && !/^\d/.test(word));
}
