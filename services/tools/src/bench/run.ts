// `make bench`: what each layer costs, side by side in one run on this
// machine. Each case is measured as maximum sustained throughput (ghz,
// closed loop, enough concurrency to saturate) and as latency at a fixed
// rate of half that (the open-loop generator), every measurement repeated
// and the median kept; the services run on one core and the load on the
// other where the machine has two. Writes the table to BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus as machineCpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import { loadConfigOrExit, loadProtos, mintToken, secretKey, toFaultMessage, unaryCall } from '@demo/platform';
import { freePort, scrapeMetric, startService, waitFor, type ServiceProcess } from '@demo/platform/testing';
import { formatMs, runOpenLoop, summarize } from '../load/open-loop.js';
import { startLocalSystem } from '../local-system.js';
import { startOtlpReceiver, type OtlpReceiver } from '../otlp-receiver.js';
import { serviceEntry } from '../entrypoints.js';
import { echoCaller, getUserCaller, getUserHomeCaller, type Caller } from './callers.js';
import { runGhz } from './ghz.js';

const config = loadConfigOrExit(
  z.object({
    BENCH_SECONDS: z.coerce.number().positive().max(120).default(8),
    REPEATS: z.coerce.number().int().min(1).max(9).default(3),
    /** The memory check: RSS after this long at the fixed rate against RSS after 10 s; 0 skips it. */
    RSS_SECONDS: z.coerce.number().int().min(0).max(600).default(60),
    CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
    OUTPUT: z.string().default('BENCHMARKS.md'),
    /** Some of the cases, comma-separated (ceiling, platform-off, ...); all by default. */
    CASES: z.string().optional(),
  }),
);
const ghzVersion = 'v0.120.0';

// Two cores or more: the load (this process and ghz) on core 0, the services on the rest.
const cores = machineCpus().length;
const loadCpus = cores >= 2 ? '0' : undefined;
const serviceCpus = cores >= 2 ? `1-${cores - 1}` : undefined;
if (loadCpus) execFileSync('taskset', ['-pc', loadCpus, String(process.pid)], { stdio: 'ignore' });

interface Target {
  address: string;
  call: string;
  data: object;
  metadata?: Record<string, string>;
  caller: () => Caller;
  processes: ServiceProcess[];
  stop(): Promise<void>;
}

interface Case {
  name: string;
  label: string;
  setup(): Promise<Target>;
}

interface Measurement {
  label: string;
  rps: number;
  rpsRuns: number[];
  rate: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
  rss?: { early: number; late: number }[];
}

const secret = randomBytes(32).toString('hex');
const key = secretKey(secret);
const protos = loadProtos();
// Telemetry-on cases export to a real OTLP receiver that only counts what arrives.
const receiver: OtlpReceiver = await startOtlpReceiver({ keep: false });

const telemetry = (mode: 'off' | '10%' | '100%'): Record<string, string> =>
  mode === 'off'
    ? { OTEL_SDK_DISABLED: 'true' }
    : {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: mode === '10%' ? '0.1' : '1',
      };

async function platformCase(mode: 'off' | '10%'): Promise<Target> {
  const [grpcPort, metricsPort] = [await freePort(), await freePort()];
  const user = await startService({
    name: 'user',
    entry: serviceEntry.user,
    env: { GRPC_PORT: String(grpcPort), METRICS_PORT: String(metricsPort), ...telemetry(mode) },
    collectLogs: false,
    ...(serviceCpus ? { cpus: serviceCpus } : {}),
  });
  const client = new protos.demo.user.v1.UserService(user.address, grpc.credentials.createInsecure());
  const { response } = await unaryCall<{ user: { id: string } | null }>(
    (md, options, callback) => client.createUser({ name: 'Bench', email: 'bench@example.com' }, md, options, callback),
    { deadline: new Date(Date.now() + 5000) },
  );
  client.close();
  const id = response.user?.id ?? '1';
  return {
    address: user.address,
    call: 'demo.user.v1.UserService/GetUser',
    data: { id },
    caller: () => getUserCaller(user.address, id, 2000),
    processes: [user],
    stop: async () => {
      await user.stop();
    },
  };
}

async function homeCase(mode: 'off' | '10%' | '100%', degraded = false): Promise<Target> {
  const system = await startLocalSystem({
    jwtSecret: secret,
    env: { all: telemetry(mode) },
    collectLogs: false,
    ...(serviceCpus ? { cpus: serviceCpus } : {}),
  });
  const userClient = new protos.demo.user.v1.UserService(system.user.address, grpc.credentials.createInsecure());
  const { response } = await unaryCall<{ user: { id: string } | null }>(
    (md, options, callback) =>
      userClient.createUser({ name: 'Bench', email: 'bench@example.com' }, md, options, callback),
    { deadline: new Date(Date.now() + 5000) },
  );
  userClient.close();
  const userId = response.user?.id ?? '1';
  const token = await mintToken({ key, subject: 'bench', role: 'user', ttlSeconds: 3600 });
  if (degraded) {
    await hangRecommendationsAndOpenBreaker(system, userId, token).catch(async (error: unknown) => {
      await system.stop();
      throw error;
    });
  }
  return {
    address: system.aggregator.address,
    call: 'demo.aggregator.v1.AggregatorService/GetUserHome',
    data: { user_id: userId },
    metadata: { authorization: `Bearer ${token}` },
    caller: () => getUserHomeCaller(system.aggregator.address, userId, token, 2000),
    processes: [system.aggregator, system.user, ...system.recommendations],
    stop: () => system.stop(),
  };
}

async function hangRecommendationsAndOpenBreaker(
  system: Awaited<ReturnType<typeof startLocalSystem>>,
  userId: string,
  token: string,
) {
  const admin = await mintToken({ key, subject: 'bench', role: 'admin', ttlSeconds: 3600 });
  const faultClient = new protos.demo.fault.v1.FaultService(
    system.recommendations[0]?.address ?? '',
    grpc.credentials.createInsecure(),
  );
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${admin}`);
  await unaryCall(
    (md, options, callback) =>
      faultClient.setFault(
        { fault: toFaultMessage({ delay: { delayMs: 4 * 3600_000, percentage: 100 } }) },
        md,
        options,
        callback,
      ),
    { deadline: new Date(Date.now() + 5000), metadata },
  );
  faultClient.close();
  const caller = getUserHomeCaller(system.aggregator.address, userId, token, 2000);
  await waitFor('the breaker to open', async () => {
    await Promise.all(Array.from({ length: 10 }, () => caller.send()));
    const state = await scrapeMetric(system.aggregator.metricsPort ?? 0, 'aggregator_circuit_breaker_state', {
      dependency: 'recommendation',
    });
    return state === 1 ? true : undefined;
  });
  caller.close();
}

const cases: Case[] = [
  {
    name: 'ceiling',
    label: 'bare grpc-js echo, no interceptors (the ceiling)',
    async setup() {
      // Port 0: startService learns the port from the server's "serving" line, once it listens.
      const echo = await startService({
        name: 'echo',
        entry: new URL('./echo-server.js', import.meta.url).pathname,
        preload: false,
        waitForServing: false,
        ...(serviceCpus ? { cpus: serviceCpus } : {}),
      });
      return {
        address: echo.address,
        call: 'bench.echo.v1.EchoService/Echo',
        data: { message: 'hello' },
        caller: () => echoCaller(echo.address, 2000),
        processes: [echo],
        stop: async () => {
          await echo.stop();
        },
      };
    },
  },
  { name: 'platform-off', label: 'user GetUser, full platform, telemetry off', setup: () => platformCase('off') },
  { name: 'platform-on', label: 'user GetUser, full platform, telemetry on (10%)', setup: () => platformCase('10%') },
  { name: 'home-off', label: 'GetUserHome (3 servers, 2 client legs), telemetry off', setup: () => homeCase('off') },
  { name: 'home-10', label: 'GetUserHome, telemetry at 10% sampling', setup: () => homeCase('10%') },
  { name: 'home-100', label: 'GetUserHome, every trace sampled', setup: () => homeCase('100%') },
  {
    name: 'home-degraded',
    label: 'GetUserHome, recommendation hung, breaker open (10%)',
    setup: () => homeCase('10%', true),
  },
];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

function rssKb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

async function measure(benchCase: Case): Promise<Measurement> {
  const target = await benchCase.setup();
  try {
    const ghz = (seconds: number) =>
      runGhz({
        address: target.address,
        call: target.call,
        data: target.data,
        ...(target.metadata ? { metadata: target.metadata } : {}),
        seconds,
        concurrency: config.CONCURRENCY,
        connections: 4,
        cpus: loadCpus,
      });
    await ghz(Math.min(2, config.BENCH_SECONDS)); // warm-up: JIT, connections
    const rpsRuns: number[] = [];
    let errors = 0;
    for (let i = 0; i < config.REPEATS; i += 1) {
      const result = await ghz(config.BENCH_SECONDS);
      rpsRuns.push(result.rps);
      errors += result.errors;
    }
    const rps = median(rpsRuns);
    const rate = Math.max(1, Math.round(rps / 2));
    const runs: ReturnType<typeof summarize>[] = [];
    for (let i = 0; i < config.REPEATS; i += 1) {
      const caller = target.caller();
      const samples = await runOpenLoop({ rate, durationMs: config.BENCH_SECONDS * 1000, send: () => caller.send() });
      caller.close();
      runs.push(summarize(samples));
    }
    const measurement: Measurement = {
      label: benchCase.label,
      rps,
      rpsRuns,
      rate,
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      p999: median(runs.map((r) => r.p999)),
      errors: errors + runs.reduce((sum, r) => sum + r.errors, 0),
    };
    if (benchCase.name === 'home-10' && config.RSS_SECONDS > 0) {
      const caller = target.caller();
      const pids = target.processes.map((p) => p.child.pid);
      let early: number[] = [];
      const sampler = setTimeout(() => (early = pids.map(rssKb)), Math.min(10_000, config.RSS_SECONDS * 500));
      await runOpenLoop({ rate, durationMs: config.RSS_SECONDS * 1000, send: () => caller.send() });
      clearTimeout(sampler);
      caller.close();
      const late = pids.map(rssKb);
      measurement.rss = pids.map((_, i) => ({ early: early[i] ?? Number.NaN, late: late[i] ?? Number.NaN }));
    }
    return measurement;
  } finally {
    await target.stop();
  }
}

const results = new Map<string, Measurement>();
const selected = config.CASES ? cases.filter((c) => config.CASES?.split(',').includes(c.name)) : cases;
for (const benchCase of selected) {
  process.stdout.write(`${benchCase.label} ... `);
  const result = await measure(benchCase);
  results.set(benchCase.name, result);
  process.stdout.write(
    `${Math.round(result.rps)} req/s; at ${result.rate} req/s p50 ${formatMs(result.p50)} ms, p99 ${formatMs(result.p99)} ms\n`,
  );
}
await receiver.stop();

const ceiling = results.get('ceiling')?.rps ?? Number.NaN;
const ratio = (name: string, base = ceiling) => (results.get(name)?.rps ?? Number.NaN) / base;
const percent = (x: number) => `${(x * 100).toFixed(0)}%`;
const rssGrowth = results.get('home-10')?.rss?.map((r) => r.late / r.early - 1) ?? [];
const targets = [
  {
    text: 'full platform on one service (telemetry off) at least 70% of the echo throughput',
    value: ratio('platform-off'),
    pass: ratio('platform-off') >= 0.7,
  },
  {
    text: 'GetUserHome at 10% sampling at least 25% of the echo throughput',
    value: ratio('home-10'),
    pass: ratio('home-10') >= 0.25,
  },
  {
    // The throughput lost to telemetry, printed as the loss: 44% lost reads "44%", not the 56% kept.
    text: 'telemetry at 10% sampling costs at most 10% of GetUserHome throughput',
    value: 1 - ratio('home-10', results.get('home-off')?.rps),
    pass: 1 - ratio('home-10', results.get('home-off')?.rps) <= 0.1,
  },
  {
    text: 'the degraded path (breaker open) at least as fast as the healthy path',
    value: ratio('home-degraded', results.get('home-10')?.rps),
    pass: ratio('home-degraded', results.get('home-10')?.rps) >= 1,
  },
];

const versions = {
  node: process.versions.node,
  grpc: (JSON.parse(readFileSync(resolve('node_modules/@grpc/grpc-js/package.json'), 'utf8')) as { version: string })
    .version,
};
const lines = [
  '# Benchmarks',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} by \`make bench\` on ${cores} cores (${machineCpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB;`,
  `Node ${versions.node}, @grpc/grpc-js ${versions.grpc}, ghz ${ghzVersion}. ${serviceCpus ? `Services pinned to CPU ${serviceCpus}, load (ghz and the open-loop generator) to CPU ${loadCpus}.` : 'One core: services and load share it.'}`,
  `Throughput: ghz, closed loop, ${config.CONCURRENCY} workers on 4 connections, ${config.BENCH_SECONDS} s, median of ${config.REPEATS}.`,
  `Latency: the open-loop generator at half that throughput for ${config.BENCH_SECONDS} s, median of ${config.REPEATS}; measured from each call's scheduled send time.`,
  '',
  '| case | max req/s | vs ceiling | runs | fixed rate | p50 ms | p99 ms | p99.9 ms | errors |',
  '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ...selected.map(({ name }) => {
    const m = results.get(name);
    if (!m) return `| ${name} | - | | | | | | | |`;
    return `| ${m.label} | ${Math.round(m.rps)} | ${percent(m.rps / ceiling)} | ${m.rpsRuns.map(Math.round).join(', ')} | ${m.rate} | ${formatMs(m.p50)} | ${formatMs(m.p99)} | ${formatMs(m.p999)} | ${m.errors} |`;
  }),
  '',
  '## Targets',
  '',
  ...targets.map((t) => `- ${t.pass ? 'PASS' : 'FAIL'} ${t.text}: ${percent(t.value)}`),
  ...(rssGrowth.length > 0
    ? [
        `- ${rssGrowth.every((g) => g <= 0.1) ? 'PASS' : 'FAIL'} no memory growth: RSS after ${config.RSS_SECONDS} s at ${results.get('home-10')?.rate} req/s against after 10 s, per process (aggregator, user, recommendation a, b): ${rssGrowth.map((g) => `${(g * 100).toFixed(1)}%`).join(', ')}`,
      ]
    : []),
  '',
  'Reproduce with `make bench` (about seven minutes); `BENCH_SECONDS`, `REPEATS` and `RSS_SECONDS` shorten it.',
  '',
];
writeFileSync(config.OUTPUT, lines.join('\n'));
process.stdout.write(`\n${lines.join('\n')}\nwritten to ${config.OUTPUT}\n`);
