// The gateway's case of `make bench` (CASES=gateway): GetUserHome through
// Envoy against the same call straight to the aggregator, on one running
// system, at the rate every case's CPU is compared at. ghz speaks gRPC only,
// so every variant is sent by the repository's own open loop (load/open-loop.ts,
// latency from each call's scheduled time) from this process, on the load's
// core: the same pacer for all, each with its own client. Each gateway
// variant is compared with a straight call made by the same kind of client
// (REST with grpc-js, the fastest gRPC client here; gRPC-Web with connect's
// gRPC transport, the same library and codec), so that a client's own cost
// is not counted as the gateway's. The variants run in turn, repeat after
// repeat, so that each gateway run is compared with the straight run of the
// same round, not with one minutes away. A bare Envoy (its router and the
// gRPC-Web filter, nothing else) runs beside the gateway for scale: what any
// Envoy hop costs on this machine, and so what the gateway's own filters and
// routes add to it.
import { Agent, request } from 'node:http';
import { Code, ConnectError, type Transport } from '@connectrpc/connect';
import { createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { bareEnvoyConfig } from '@demo/gateway';
import { bearerHeaders, mintToken, secretKey } from '@demo/platform';
import { startEnvoy, type GatewayProcess } from '@demo/testkit/envoy-process';
import { startLocalSystem, type LocalSystem } from '@demo/testkit/local-system';
import { freePort } from '@demo/testkit/ports';
import { formatMs, percentile, runOpenLoop, type Result } from '@demo/testkit/open-loop';
import { getUserHomeMethod } from '../gateway-descriptors.js';
import { userHomeCaller } from '../load/user-home-caller.js';
import { createBenchUser, frontDoorConnectionAge, telemetry, type CaseContext } from './cases.js';
import { median } from './measure.js';
import { cpuSeconds, totalCpuSeconds } from './proc.js';
import type { TargetResult } from './report.js';

/** How GetUserHome reaches the aggregator: straight, or through the gateway with one of its protocols. */
export type GatewayVariantName = 'direct' | 'direct-connect' | 'rest' | 'grpc-web' | 'bare-envoy';

interface Caller {
  send(): Promise<Result>;
  close(): void;
}

interface CallTarget {
  system: LocalSystem;
  gatewayAddress: string;
  /** The bare Envoy's listener (measureGateway starts one). */
  bareEnvoyAddress?: string;
  token: string;
  userId: string;
}

export interface GatewayVariant {
  name: GatewayVariantName;
  label: string;
  /** The straight variant a gateway variant is compared with; for a straight variant, none. */
  baseline?: GatewayVariantName;
  /** The bare Envoy's variant: reported for scale, not judged by the target. */
  bare?: true;
  caller(target: CallTarget): Caller;
}

/** Whether the call passes through Envoy (whose CPU then counts): a variant compared with a straight one. */
const throughGateway = (variant: GatewayVariant) => variant.baseline !== undefined;

/** A call that takes this long has failed: the same bound for every variant. */
const callTimeoutMs = 2000;

const direct: GatewayVariant = {
  name: 'direct',
  label: 'straight to the aggregator (gRPC, grpc-js)',
  caller: ({ system, token, userId }) =>
    userHomeCaller({ target: system.aggregator.address, token, userIds: [userId], deadlineMs: callTimeoutMs }),
};

/** The variants, each straight one before the gateway variant compared with it. */
export const gatewayVariants: readonly GatewayVariant[] = [
  direct,
  {
    name: 'rest',
    label: 'through the gateway, REST/JSON (HTTP/1.1, keep-alive)',
    baseline: 'direct',
    caller: restCaller,
  },
  {
    name: 'direct-connect',
    label: 'straight to the aggregator (gRPC, connect-node, HTTP/2)',
    caller: ({ system, token, userId }) =>
      connectCaller(createGrpcTransport({ baseUrl: `http://${system.aggregator.address}` }), token, userId),
  },
  {
    name: 'grpc-web',
    label: 'through the gateway, gRPC-Web (connect-node, HTTP/1.1, keep-alive)',
    baseline: 'direct-connect',
    caller: ({ gatewayAddress, token, userId }) => grpcWebCaller(gatewayAddress, token, userId),
  },
  {
    name: 'bare-envoy',
    label: 'through a bare Envoy (its router and gRPC-Web filter alone), gRPC-Web, for scale',
    baseline: 'direct-connect',
    bare: true,
    caller: ({ bareEnvoyAddress, token, userId }) => {
      if (bareEnvoyAddress === undefined) throw new Error('no bare Envoy to call through');
      return grpcWebCaller(bareEnvoyAddress, token, userId);
    },
  },
];

/** GetUserHome by connect-node's gRPC-Web transport, as a browser's client sends it, on kept-alive HTTP/1.1. */
function grpcWebCaller(address: string, token: string, userId: string): Caller {
  const agent = new Agent({ keepAlive: true });
  const transport = createGrpcWebTransport({
    baseUrl: `http://${address}`,
    httpVersion: '1.1',
    nodeOptions: { agent },
  });
  return connectCaller(transport, token, userId, () => agent.destroy());
}

/**
 * GET /v1/users/{id}/home as a REST client sends it, on kept-alive
 * connections (Node's own HTTP client: nothing between the call and the socket).
 */
function restCaller({ gatewayAddress, token, userId }: CallTarget): Caller {
  const agent = new Agent({ keepAlive: true });
  const [host, port] = [gatewayAddress.slice(0, gatewayAddress.lastIndexOf(':')), gatewayAddress.split(':').at(-1)];
  return {
    send: () =>
      new Promise<Result>((resolve) => {
        const call = request(
          {
            agent,
            host,
            port: Number(port),
            path: `/v1/users/${userId}/home`,
            headers: bearerHeaders(token),
            signal: AbortSignal.timeout(callTimeoutMs),
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              if (response.statusCode !== 200) {
                resolve({ outcome: `error:HTTP ${response.statusCode ?? '?'}` });
                return;
              }
              try {
                const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { degraded?: boolean };
                resolve({ outcome: body.degraded ? 'degraded' : 'ok' });
              } catch {
                resolve({ outcome: 'error:NOT_JSON' });
              }
            });
            response.on('error', () => resolve({ outcome: 'error:CLIENT' }));
          },
        );
        // The signal's abort carries its reason (a TimeoutError) as the cause.
        call.on('error', (error) =>
          resolve({
            outcome: `error:${error.cause instanceof Error && error.cause.name === 'TimeoutError' ? 'TIMEOUT' : 'CLIENT'}`,
          }),
        );
        call.end();
      }),
    close: () => agent.destroy(),
  };
}

/**
 * GetUserHome through one of connect's transports. Its Node flavour (connect-node), over Node's own
 * HTTP clients: the browser flavour the gateway tests use (connect-web) goes
 * through fetch, a browser's client, which costs about as much here.
 */
function connectCaller(
  transport: Transport,
  token: string,
  userId: string,
  close: () => void = () => undefined,
): Caller {
  const getUserHome = getUserHomeMethod();
  const header = bearerHeaders(token);
  return {
    async send() {
      try {
        const answer = await transport.unary(getUserHome, undefined, callTimeoutMs, header, { userId: BigInt(userId) });
        return { outcome: Reflect.get(answer.message, 'degraded') === true ? 'degraded' : 'ok' };
      } catch (error) {
        return { outcome: `error:${error instanceof ConnectError ? Code[error.code] : 'CLIENT'}` };
      }
    },
    close,
  };
}

export interface GatewayRun {
  variant: GatewayVariantName;
  /** Which round of the variants this run belongs to (0 the warm-up). */
  round: number;
  rate: number;
  count: number;
  /** Calls that did not come back ok (or degraded), by outcome. */
  failures: Record<string, number>;
  /** CPU of the four services over the calls answered. */
  servicesCpuUsPerCall: number;
  /** CPU of the Envoy the call passes through (the gateway, or the bare one) over the calls answered; it idles through a straight run, not counted there. */
  gatewayCpuUsPerCall: number;
  p50: number;
  p99: number;
  p999: number;
  /** This process's own CPU (the load) while the run went out, as a share of its one core. */
  generatorCpu: number;
  /**
   * The load's core as a whole: this process, and Envoy when the call passes
   * through it (Envoy runs on that core: see measureGateway).
   */
  loadCoreCpu: number;
}

export interface GatewayOptions {
  seconds: number;
  repeats: number;
  rate: number;
  /** taskset's CPU list for Envoy: the load's core, apart from the services'; undefined on one core. */
  gatewayCpus: string | undefined;
}

/**
 * Starts the system with the gateway (telemetry off: the bare cost of the
 * extra hop), warms every variant up, then runs each in turn `repeats` times.
 * The services keep their cores; Envoy runs on the load's. In a cluster the
 * gateway is pods of its own, not a share of the aggregator's CPU: on the
 * services' one core (the services alone use about three quarters of it at
 * the common rate here), Envoy's CPU would show up as the services' queueing,
 * and the added p50 would measure the machine's last free quarter-core, not the hop.
 */
export async function measureGateway(context: CaseContext, options: GatewayOptions): Promise<GatewayRun[]> {
  const system = await startLocalSystem({
    jwtSecret: context.jwtSecret,
    // The aggregator's own connections keep their age for the run, as in the
    // table's cases: the straight calls' clients can lose a call that races a
    // GOAWAY (connect-node's came back INTERNAL), a failure of the load, not
    // of the services. How the gateway rides a GOAWAY is tested on its own
    // (test/gateway-connection-age.test.ts).
    env: { all: telemetry(context, 'off'), aggregator: frontDoorConnectionAge },
    collectLogs: false,
    gateway: options.gatewayCpus ? { cpus: options.gatewayCpus } : true,
    ...(context.serviceCpus ? { cpus: context.serviceCpus } : {}),
  });
  const callers: { variant: GatewayVariant; caller: Caller }[] = [];
  let bareEnvoy: GatewayProcess | undefined;
  try {
    const gateway = system.gateway;
    if (!gateway) throw new Error('the gateway did not start');
    const bareListen = { host: '127.0.0.1', port: await freePort() };
    const bareAdmin = { host: '127.0.0.1', port: await freePort() };
    bareEnvoy = await startEnvoy(
      bareEnvoyConfig({ listen: bareListen, admin: bareAdmin, aggregator: system.aggregator.address }),
      { listen: bareListen, admin: bareAdmin },
      undefined,
      { cpus: options.gatewayCpus },
    );
    const userId = await createBenchUser(system.user.address);
    const token = await mintToken({
      key: secretKey(context.jwtSecret),
      subject: 'bench',
      role: 'user',
      ttlSeconds: 3600,
    });
    for (const variant of gatewayVariants) {
      callers.push({
        variant,
        caller: variant.caller({
          system,
          gatewayAddress: gateway.address,
          bareEnvoyAddress: bareEnvoy.address,
          token,
          userId,
        }),
      });
    }
    const servicePids = [system.aggregator, system.user, ...system.recommendations].map((p) => p.child.pid);
    const runs: GatewayRun[] = [];
    for (let round = 0; round <= options.repeats; round += 1) {
      // Round 0 warms up (JIT, connections) and is kept in the report, not in the figures.
      const seconds = round === 0 ? Math.min(2, options.seconds) : options.seconds;
      for (const { variant, caller } of callers) {
        runs.push(
          await measureRun(variant.name, round, caller, {
            seconds,
            rate: options.rate,
            servicePids,
            gatewayPid: (variant.bare ? bareEnvoy : gateway).process.pid,
            throughGateway: throughGateway(variant),
          }),
        );
      }
    }
    return runs;
  } finally {
    for (const { caller } of callers) caller.close();
    await bareEnvoy?.stop();
    await system.stop();
  }
}

async function measureRun(
  variant: GatewayVariantName,
  round: number,
  caller: Caller,
  options: {
    seconds: number;
    rate: number;
    servicePids: (number | undefined)[];
    gatewayPid: number | undefined;
    throughGateway: boolean;
  },
): Promise<GatewayRun> {
  const servicesBefore = totalCpuSeconds(options.servicePids);
  const gatewayBefore = cpuSeconds(options.gatewayPid);
  const loadBefore = process.cpuUsage();
  const startedMs = performance.now();
  const samples = await runOpenLoop({
    rate: options.rate,
    durationMs: options.seconds * 1000,
    send: () => caller.send(),
  });
  const wallSeconds = (performance.now() - startedMs) / 1000;
  const load = process.cpuUsage(loadBefore);
  const perCall = (seconds: number) => (seconds * 1e6) / samples.length;
  const failures: Record<string, number> = {};
  for (const { outcome } of samples) {
    if (outcome !== 'ok' && outcome !== 'degraded') failures[outcome] = (failures[outcome] ?? 0) + 1;
  }
  const latencies = samples.map((s) => s.latencyMs);
  const gatewayCpu = cpuSeconds(options.gatewayPid) - gatewayBefore;
  const generatorCpu = (load.user + load.system) / 1e6 / wallSeconds;
  return {
    variant,
    round,
    rate: options.rate,
    count: samples.length,
    failures,
    servicesCpuUsPerCall: perCall(totalCpuSeconds(options.servicePids) - servicesBefore),
    gatewayCpuUsPerCall: perCall(gatewayCpu),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    p999: percentile(latencies, 99.9),
    generatorCpu,
    loadCoreCpu: generatorCpu + (options.throughGateway ? gatewayCpu / wallSeconds : 0),
  };
}

/** A variant's figures: medians over its measured runs; for a gateway variant, what it adds to the straight call. */
export interface GatewaySummary {
  variant: GatewayVariant;
  runs: number;
  servicesCpuUsPerCall: number;
  /** NaN for the straight call, which Envoy is not part of. */
  gatewayCpuUsPerCall: number;
  /** Services, plus Envoy when the call passes through it. */
  summedCpuUsPerCall: number;
  p50: number;
  p99: number;
  p999: number;
  failures: Record<string, number>;
  /**
   * Against the run of its baseline (the straight call by the same kind of
   * client) in the same round: Envoy's CPU per call over the straight call's
   * summed CPU per call, and p50 less the straight call's p50; the median
   * over the rounds.
   * Undefined for a straight call.
   */
  added?: { cpu: number; p50Ms: number } | undefined;
}

const summed = (run: GatewayRun, variant: GatewayVariant) =>
  run.servicesCpuUsPerCall + (throughGateway(variant) ? run.gatewayCpuUsPerCall : 0);

/** Each measured run of `variant` with the run of `other` in the same round (the warm-up round left out). */
function sameRoundPairs(
  runs: readonly GatewayRun[],
  variant: GatewayVariantName,
  other: GatewayVariantName | undefined,
): { run: GatewayRun; other: GatewayRun }[] {
  const measured = runs.filter((run) => run.round > 0);
  return measured
    .filter((run) => run.variant === variant)
    .flatMap((run) => {
      const match = measured.find((candidate) => candidate.variant === other && candidate.round === run.round);
      return match ? [{ run, other: match }] : [];
    });
}

export function summarizeGateway(runs: readonly GatewayRun[]): GatewaySummary[] {
  const measured = runs.filter((run) => run.round > 0);
  return gatewayVariants
    .map((variant) => ({ variant, own: measured.filter((run) => run.variant === variant.name) }))
    .filter(({ own }) => own.length > 0)
    .map(({ variant, own }) => {
      const failures: Record<string, number> = {};
      for (const run of runs.filter((r) => r.variant === variant.name)) {
        for (const [outcome, count] of Object.entries(run.failures))
          failures[outcome] = (failures[outcome] ?? 0) + count;
      }
      const baseline = gatewayVariants.find((v) => v.name === variant.baseline);
      const pairs = sameRoundPairs(runs, variant.name, variant.baseline).map(({ run, other }) => ({
        run,
        straight: other,
      }));
      return {
        variant,
        runs: own.length,
        servicesCpuUsPerCall: median(own.map((run) => run.servicesCpuUsPerCall)),
        gatewayCpuUsPerCall: throughGateway(variant) ? median(own.map((run) => run.gatewayCpuUsPerCall)) : Number.NaN,
        summedCpuUsPerCall: median(own.map((run) => summed(run, variant))),
        p50: median(own.map((run) => run.p50)),
        p99: median(own.map((run) => run.p99)),
        p999: median(own.map((run) => run.p999)),
        failures,
        added: baseline
          ? {
              // Envoy's CPU over the straight call's: the services do the same
              // work whichever way a call comes, and their own spread from run
              // to run (15% near this rate) would swamp the gateway's share.
              cpu: median(pairs.map(({ run, straight }) => run.gatewayCpuUsPerCall / summed(straight, baseline))),
              p50Ms: median(pairs.map(({ run, straight }) => run.p50 - straight.p50)),
            }
          : undefined,
      };
    });
}

/** The target for each gateway variant: at most 25% more summed CPU per call, at most 1 ms more p50. */
export const gatewayTarget = { addedCpu: 0.25, addedP50Ms: 1 };

const percent = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : '-');
const formatUs = (us: number) => (Number.isFinite(us) ? (us < 100 ? us.toFixed(1) : us.toFixed(0)) : '-');
const formatFailures = (failures: Record<string, number>) =>
  Object.keys(failures).length === 0
    ? '0'
    : Object.entries(failures)
        .sort(([, a], [, b]) => b - a)
        .map(([outcome, count]) => `${outcome.replace(/^error:/, '')} ${count}`)
        .join(', ');

export function gatewayTargets(runs: readonly GatewayRun[]): TargetResult[] {
  const summaries = summarizeGateway(runs);
  const rate = runs[0]?.rate ?? Number.NaN;
  return [
    ...summaries.flatMap(({ variant, added }) =>
      added && !variant.bare
        ? [
            {
              verdict: added.cpu <= gatewayTarget.addedCpu && added.p50Ms <= gatewayTarget.addedP50Ms ? 'PASS' : 'FAIL',
              text: `GetUserHome ${variant.label.replace(/ \(.*\)$/, '')} adds at most ${percent(gatewayTarget.addedCpu)} to the call's summed CPU per call and at most ${gatewayTarget.addedP50Ms} ms to its p50 at ${rate}/s`,
              figures: `adds ${percent(added.cpu)} CPU per call, ${formatMs(added.p50Ms)} ms to p50`,
            } satisfies TargetResult,
          ]
        : [],
    ),
    {
      verdict: summaries.every((s) => Object.keys(s.failures).length === 0) ? 'PASS' : 'FAIL',
      text: 'zero failed calls, straight and through either Envoy, the warm-up too',
      figures: summaries.every((s) => Object.keys(s.failures).length === 0)
        ? 'none'
        : summaries
            .filter((s) => Object.keys(s.failures).length > 0)
            .map((s) => `${s.variant.name}: ${formatFailures(s.failures)}`)
            .join('; '),
    },
    {
      verdict: runs.every((run) => run.loadCoreCpu < 0.7) ? 'PASS' : 'FAIL',
      text: "the load's core had headroom: this harness, and Envoy beside it, below 70% of it in every run",
      figures: `at most ${percent(Math.max(...runs.map((run) => run.loadCoreCpu)))} of it (the harness alone at most ${percent(Math.max(...runs.map((run) => run.generatorCpu)))})`,
    },
  ];
}

/**
 * The bare Envoy against the gateway, gRPC-Web both: what any Envoy hop adds
 * here, and what the gateway's own filters and routes add to that (Envoy's
 * CPU per call, the gateway's less the bare one's in each round; the median).
 * Undefined when either was not measured.
 */
export function bareEnvoyScale(
  runs: readonly GatewayRun[],
): { bareAdded: { cpu: number; p50Ms: number }; bareUsPerCall: number; configUsPerCall: number } | undefined {
  const summaries = summarizeGateway(runs);
  const bare = summaries.find((s) => s.variant.bare);
  const differences = sameRoundPairs(runs, 'grpc-web', 'bare-envoy').map(
    ({ run, other }) => run.gatewayCpuUsPerCall - other.gatewayCpuUsPerCall,
  );
  if (!bare?.added || differences.length === 0) return undefined;
  return { bareAdded: bare.added, bareUsPerCall: bare.gatewayCpuUsPerCall, configUsPerCall: median(differences) };
}

/** BENCHMARKS.md's gateway section: how it was measured, the table, the targets. */
export function gatewayMarkdown(
  runs: readonly GatewayRun[],
  context: {
    date: string;
    machine: string;
    seconds: number;
    repeats: number;
    elapsedSeconds: number;
    reportFile: string;
  },
): string[] {
  const rate = runs[0]?.rate ?? Number.NaN;
  return [
    '## The gateway: GetUserHome through Envoy',
    '',
    `Measured ${context.date.slice(0, 10)} by \`make bench\` (\`CASES=gateway\` alone) on ${context.machine}: the system of GetUserHome (telemetry off) with the gateway in front: the four services pinned to the services' cores, Envoy to the load's (in a cluster the gateway has pods of its own, not a share of the aggregator's CPU). Each variant sends GetUserHome for ${context.seconds} s at ${rate} calls a second (the rate every case's CPU is compared at) from this harness's open loop, one variant after the other, ${context.repeats} rounds after a warm-up round; latency from each call's scheduled send time, CPU per call from /proc over the calls answered, medians over the rounds. **adds**: against the straight call with the same kind of client (the row above it: grpc-js for REST/JSON; connect's gRPC transport, the gRPC-Web client's own library and codec, for gRPC-Web), so that a client's own cost is not counted as the gateway's: Envoy's CPU per call over the straight call's summed CPU per call in the same round (the services do the same work whichever way a call comes, and their own spread from run to run, about 15% near this rate, would swamp the gateway's share if their two figures were subtracted), and the p50 less its p50, median over the rounds. ghz speaks only gRPC, so the straight calls here come from the same harness, not ghz as in the table above.`,
    '',
    '| GetUserHome | services CPU µs/call | Envoy CPU µs/call | summed CPU µs/call | adds CPU | p50 ms | adds to p50 ms | p99 ms | p99.9 ms | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...summarizeGateway(runs).map(
      (s) =>
        `| ${[
          s.variant.label,
          formatUs(s.servicesCpuUsPerCall),
          formatUs(s.gatewayCpuUsPerCall),
          formatUs(s.summedCpuUsPerCall),
          s.added ? percent(s.added.cpu) : '-',
          formatMs(s.p50),
          s.added ? formatMs(s.added.p50Ms) : '-',
          formatMs(s.p99),
          formatMs(s.p999),
          formatFailures(s.failures),
        ].join(' | ')} |`,
    ),
    '',
    ...gatewayTargets(runs).map((t) => `- ${t.verdict} ${t.text}: ${t.figures}`),
    '',
    ...scaleLines(runs),
    `The case took ${Math.round(context.elapsedSeconds)} s; \`CASES=gateway make bench\` runs it alone and rewrites only this section. Every run is in ${context.reportFile}.`,
  ];
}

function scaleLines(runs: readonly GatewayRun[]): string[] {
  const scale = bareEnvoyScale(runs);
  if (!scale) return [];
  return [
    `For scale, not a target: a bare Envoy (its router and the gRPC-Web filter, no authentication, transcoding, CORS or buffering) in the gateway's place adds ${percent(scale.bareAdded.cpu)} to the straight call's summed CPU per call (${formatUs(scale.bareUsPerCall)} µs of Envoy's) and ${formatMs(scale.bareAdded.p50Ms)} ms to its p50: that much is any Envoy hop's on this machine. The gateway's own filters and routes add ${formatUs(scale.configUsPerCall)} µs per call to it (its gRPC-Web row less the bare one, round by round, the median).`,
    '',
  ];
}
