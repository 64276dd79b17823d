// The gateway case's arithmetic and its part of BENCHMARKS.md, on runs made
// up here; bench.test.ts runs the case itself for a few seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  gatewayMarker,
  innerLoopMarker,
  writeBenchPart,
  writeGatewayPart,
  writeInnerLoopPart,
} from '../src/benchmarks-file.js';
import { bareEnvoyScale, gatewayTargets, summarizeGateway, type GatewayRun } from '../src/bench/gateway.js';

function run(
  variant: GatewayRun['variant'],
  round: number,
  figures: {
    services: number;
    envoy?: number;
    p50?: number;
    failures?: Record<string, number>;
    harness?: number;
    loadCore?: number;
  },
): GatewayRun {
  return {
    variant,
    round,
    rate: 400,
    count: 400,
    failures: figures.failures ?? {},
    servicesCpuUsPerCall: figures.services,
    gatewayCpuUsPerCall: figures.envoy ?? 3,
    p50: figures.p50 ?? 1,
    p99: 5,
    p999: 9,
    generatorCpu: figures.harness ?? 0.1,
    loadCoreCpu: figures.loadCore ?? figures.harness ?? 0.1,
  };
}

test('each gateway run is compared with the straight run of its own round, and the warm-up round counts only for failures', () => {
  const runs = [
    // The warm-up: far off, and it must not move a figure.
    run('direct', 0, { services: 9000, p50: 50 }),
    run('rest', 0, { services: 9000, envoy: 9000, p50: 90, failures: { 'error:HTTP 503': 1 } }),
    run('direct', 1, { services: 1000, p50: 1.0 }),
    run('rest', 1, { services: 1000, envoy: 100, p50: 1.5 }),
    run('direct', 2, { services: 2000, p50: 2.0 }),
    run('rest', 2, { services: 2000, envoy: 1000, p50: 2.1 }),
    run('direct', 3, { services: 3000, p50: 3.0 }),
    run('rest', 3, { services: 3000, envoy: 100, p50: 3.9 }),
  ];
  const summaries = summarizeGateway(runs);
  assert.deepEqual(
    summaries.map((s) => s.variant.name),
    ['direct', 'rest'],
  );
  const direct = summaries.find((s) => s.variant.name === 'direct');
  const rest = summaries.find((s) => s.variant.name === 'rest');
  assert.ok(direct && rest);
  assert.equal(direct.summedCpuUsPerCall, 2000, "the straight call's sum is the services' alone (Envoy idles)");
  assert.ok(Number.isNaN(direct.gatewayCpuUsPerCall));
  assert.equal(direct.added, undefined);
  assert.equal(rest.runs, 3);
  assert.equal(rest.gatewayCpuUsPerCall, 100);
  // Round by round: CPU +10%, +50%, +3.3% (median 10%), p50 +0.5, +0.1, +0.9 ms (median 0.5);
  // the medians of each variant compared would say 3000 / 2000 (+50%) and 2.1 - 2.0 ms.
  assert.ok(Math.abs((rest.added?.cpu ?? 0) - 0.1) < 1e-9, `added CPU ${rest.added?.cpu}`);
  assert.ok(Math.abs((rest.added?.p50Ms ?? 0) - 0.5) < 1e-9, `added p50 ${rest.added?.p50Ms}`);
  assert.deepEqual(rest.failures, { 'error:HTTP 503': 1 }, 'a failed call of the warm-up still counts');
});

test("gRPC-Web is compared with connect's straight call of its round, REST with grpc-js's", () => {
  const runs = [
    run('direct', 1, { services: 1000, p50: 1.0 }),
    run('rest', 1, { services: 1000, envoy: 200, p50: 1.5 }),
    run('direct-connect', 1, { services: 1200, p50: 2.0 }),
    // The services' own figure drifts from run to run; only Envoy's counts as the gateway's.
    run('grpc-web', 1, { services: 1500, envoy: 300, p50: 2.6 }),
  ];
  const added = Object.fromEntries(summarizeGateway(runs).map((s) => [s.variant.name, s.added]));
  assert.equal(added['direct-connect'], undefined, 'a straight call adds nothing');
  assert.ok(Math.abs((added['rest']?.cpu ?? 0) - 0.2) < 1e-9 && Math.abs((added['rest']?.p50Ms ?? 0) - 0.5) < 1e-9);
  // Against grpc-js's straight call it would be +50% CPU and +1.6 ms.
  assert.ok(Math.abs((added['grpc-web']?.cpu ?? 0) - 0.25) < 1e-9, `added CPU ${added['grpc-web']?.cpu}`);
  assert.ok(Math.abs((added['grpc-web']?.p50Ms ?? 0) - 0.6) < 1e-9, `added p50 ${added['grpc-web']?.p50Ms}`);
});

test('the target: at most 25% more summed CPU per call and at most 1 ms more p50, both needed', () => {
  const verdicts = (envoy: number, p50: number) =>
    gatewayTargets([run('direct', 1, { services: 1000, p50: 1 }), run('rest', 1, { services: 1000, envoy, p50 })]).map(
      (t) => t.verdict,
    );
  assert.deepEqual(verdicts(250, 2), ['PASS', 'PASS', 'PASS'], 'exactly at both bounds');
  assert.deepEqual(verdicts(260, 2)[0], 'FAIL', '26% more CPU');
  assert.deepEqual(verdicts(100, 2.2)[0], 'FAIL', '1.2 ms more p50');
  const [target, failures] = gatewayTargets([
    run('direct', 1, { services: 1000 }),
    run('rest', 1, { services: 1000, envoy: 100, failures: { 'error:TIMEOUT': 2 } }),
  ]);
  assert.match(target?.text ?? '', /^GetUserHome through the gateway, REST\/JSON adds at most 25% .* at 400\/s$/);
  assert.equal(target?.figures, 'adds 10% CPU per call, 0.00 ms to p50');
  assert.deepEqual([failures?.verdict, failures?.figures], ['FAIL', 'rest: TIMEOUT 2']);
});

test("the load's core is judged with Envoy on it: a harness with headroom beside a busy Envoy fails", () => {
  const headroom = (loadCore: number) =>
    gatewayTargets([
      run('direct', 1, { services: 1000, harness: 0.3 }),
      run('rest', 1, { services: 1000, envoy: 100, harness: 0.4, loadCore }),
    ]).at(-1);
  assert.deepEqual(
    [headroom(0.6)?.verdict, headroom(0.6)?.figures],
    ['PASS', 'at most 60% of it (the harness alone at most 40%)'],
  );
  assert.equal(headroom(0.75)?.verdict, 'FAIL');
});

test('BENCHMARKS.md keeps every part whichever writes last: the bench, its gateway case, make e2e-dev', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'benchmarks-'));
  try {
    const file = join(scratch, 'BENCHMARKS.md');
    writeInnerLoopPart(file, '## The inner loop\n\nloop 1\n');
    writeGatewayPart(file, '## The gateway\n\ngateway 1\n');
    writeBenchPart(file, '# Benchmarks\n\nbench 1\n');
    const expected = (bench: number, gateway: number, loop: number) =>
      `# Benchmarks\n\nbench ${bench}\n\n${gatewayMarker}\n## The gateway\n\ngateway ${gateway}\n\n${innerLoopMarker}\n## The inner loop\n\nloop ${loop}\n`;
    assert.equal(readFileSync(file, 'utf8'), expected(1, 1, 1));
    writeGatewayPart(file, '## The gateway\n\ngateway 2\n');
    assert.equal(readFileSync(file, 'utf8'), expected(1, 2, 1));
    writeInnerLoopPart(file, '## The inner loop\n\nloop 2\n');
    writeBenchPart(file, '# Benchmarks\n\nbench 2\n');
    assert.equal(readFileSync(file, 'utf8'), expected(2, 2, 2));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test("the bare Envoy is reported for scale, not judged; the gateway's own share is its Envoy CPU less the bare one's, round by round", () => {
  const runs = [
    run('direct-connect', 0, { services: 9000 }),
    run('grpc-web', 0, { services: 9000, envoy: 9000 }),
    run('bare-envoy', 0, { services: 9000, envoy: 1 }),
    run('direct-connect', 1, { services: 1000, p50: 1 }),
    run('grpc-web', 1, { services: 1000, envoy: 300, p50: 1.8 }),
    run('bare-envoy', 1, { services: 1000, envoy: 200, p50: 1.5 }),
    run('direct-connect', 2, { services: 2000, p50: 2 }),
    run('grpc-web', 2, { services: 2000, envoy: 500, p50: 2.9 }),
    run('bare-envoy', 2, { services: 2000, envoy: 460, p50: 2.4 }),
    run('direct-connect', 3, { services: 1500, p50: 3 }),
    run('grpc-web', 3, { services: 1500, envoy: 420, p50: 3.7 }),
    run('bare-envoy', 3, { services: 1500, envoy: 300, p50: 3.2 }),
  ];
  const targets = gatewayTargets(runs);
  assert.deepEqual(
    targets.filter((t) => t.text.startsWith('GetUserHome')).map((t) => t.text.split(' adds ')[0]),
    ['GetUserHome through the gateway, gRPC-Web'],
    'one target, the gateway',
  );
  const scale = bareEnvoyScale(runs);
  // Rounds: bare 20%, 23%, 20% of the straight call (median 20%); +0.5, +0.4, +0.2 ms (median 0.4);
  // the gateway's Envoy less the bare one: 100, 40, 120 µs (median 100). The warm-up moves none of it.
  assert.ok(scale);
  assert.ok(Math.abs(scale.bareAdded.cpu - 0.2) < 1e-9, `bare ${scale.bareAdded.cpu}`);
  assert.ok(Math.abs(scale.bareAdded.p50Ms - 0.4) < 1e-9, `bare p50 ${scale.bareAdded.p50Ms}`);
  assert.equal(scale.bareUsPerCall, 300);
  assert.equal(scale.configUsPerCall, 100);
  assert.equal(bareEnvoyScale(runs.filter((r) => r.variant !== 'bare-envoy')), undefined, 'no bare run, no scale');
});
