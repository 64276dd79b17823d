// What `make bench` measures: each case starts its own processes and says
// what ghz calls on them and which processes did the work.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import {
  bearerHeaders,
  faultClient,
  loadProtos,
  mintToken,
  secretKey,
  unaryCall,
  type SecretKey,
} from '@demo/platform';
import { freePort } from '@demo/testkit/ports';
import { scrapeMetric } from '@demo/testkit/metrics';
import { startService, type ServiceProcess } from '@demo/testkit/processes';
import { waitFor } from '@demo/testkit/wait';
import { startLocalSystem, type LocalSystem } from '@demo/testkit/local-system';
import { userHomeCaller } from '../load/user-home-caller.js';
import { serviceEntry } from '@demo/testkit/entrypoints';
import type { GhzTarget } from './ghz.js';

/** A running case: what ghz calls, and every process whose CPU a call costs. */
export interface Target {
  ghz: GhzTarget;
  processes: ServiceProcess[];
  stop(): Promise<void>;
}

export interface BenchCase {
  name: string;
  label: string;
  /** Starts the case's processes; `env` goes to every one of them (the profiler's NODE_OPTIONS). */
  setup(env: Record<string, string>): Promise<Target>;
}

export type Telemetry = 'off' | '10%' | '100%';

export interface CaseContext {
  /** Signs the bearer tokens the aggregator checks. */
  jwtSecret: string;
  /** Where telemetry-on cases export: a real OTLP receiver. */
  otlpEndpoint: string;
  /** taskset's CPU list for the services, apart from the load; undefined on one core. */
  serviceCpus: string | undefined;
}

export function benchCases(context: CaseContext): BenchCase[] {
  return [
    {
      name: 'ceiling',
      label: 'bare grpc-js echo, no interceptors (the ceiling)',
      setup: (env) => echoCase(context, env),
    },
    {
      name: 'platform-off',
      label: 'user GetUser, full platform, telemetry off',
      setup: (env) => platformCase(context, 'off', env),
    },
    {
      name: 'platform-on',
      label: 'user GetUser, full platform, telemetry on (10%)',
      setup: (env) => platformCase(context, '10%', env),
    },
    {
      name: 'home-off',
      label: 'GetUserHome (3 servers, 2 client legs), telemetry off',
      setup: (env) => homeCase(context, 'off', env),
    },
    { name: 'home-10', label: 'GetUserHome, telemetry at 10% sampling', setup: (env) => homeCase(context, '10%', env) },
    { name: 'home-100', label: 'GetUserHome, every trace sampled', setup: (env) => homeCase(context, '100%', env) },
    {
      name: 'home-degraded',
      label: 'GetUserHome, recommendation hung, breaker open (10%)',
      setup: (env) => homeCase(context, '10%', env, { degraded: true }),
    },
  ];
}

const protos = loadProtos();

export function telemetry(context: CaseContext, mode: Telemetry): Record<string, string> {
  return mode === 'off'
    ? { OTEL_SDK_DISABLED: 'true' }
    : {
        OTEL_EXPORTER_OTLP_ENDPOINT: context.otlpEndpoint,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: mode === '10%' ? '0.1' : '1',
      };
}

/**
 * The connection age of the server ghz calls, longer than any run. ghz is a
 * grpc-go client, and grpc-go can fail a call that races a connection-age
 * GOAWAY with UNAVAILABLE "the connection is draining" (grpc/grpc-go#2767:
 * about 4 calls per GOAWAY at 13,000 calls/s against MAX_CONNECTION_AGE_MS=1000),
 * a failure of the load generator's client, not of the services. The
 * services' own grpc-js clients lose no call to it (test/connection-age.test.ts
 * in the platform), and between the services every connection keeps its 30 s age.
 */
export const frontDoorConnectionAge = { MAX_CONNECTION_AGE_MS: String(60 * 60 * 1000) };

export const pinned = (context: CaseContext) => (context.serviceCpus ? { cpus: context.serviceCpus } : {});

async function echoCase(context: CaseContext, env: Record<string, string>): Promise<Target> {
  // Port 0: startService learns the port from the server's "serving" line, once it listens.
  const echo = await startService({
    name: 'echo',
    entry: fileURLToPath(new URL('./echo-server.js', import.meta.url)),
    env,
    preload: false,
    waitForServing: false,
    ...pinned(context),
  });
  return {
    ghz: { address: echo.address, call: 'bench.echo.v1.EchoService/Echo', data: { message: 'hello' } },
    processes: [echo],
    stop: async () => {
      await echo.stop();
    },
  };
}

async function platformCase(context: CaseContext, mode: Telemetry, env: Record<string, string>): Promise<Target> {
  const [grpcPort, metricsPort] = [await freePort(), await freePort()];
  const user = await startService({
    name: 'user',
    entry: serviceEntry.user,
    env: {
      GRPC_PORT: String(grpcPort),
      METRICS_PORT: String(metricsPort),
      ...frontDoorConnectionAge,
      ...telemetry(context, mode),
      ...env,
    },
    collectLogs: false,
    ...pinned(context),
  });
  const id = await createBenchUser(user.address);
  return {
    ghz: { address: user.address, call: 'demo.user.v1.UserService/GetUser', data: { id } },
    processes: [user],
    stop: async () => {
      await user.stop();
    },
  };
}

/** The whole system: the aggregator, the user service and two recommendation replicas, in that order. */
export async function homeCase(
  context: CaseContext,
  mode: Telemetry,
  env: Record<string, string>,
  options: { degraded?: boolean } = {},
): Promise<Target> {
  const system = await startLocalSystem({
    jwtSecret: context.jwtSecret,
    env: { all: { ...telemetry(context, mode), ...env }, aggregator: frontDoorConnectionAge },
    collectLogs: false,
    ...pinned(context),
  });
  try {
    const userId = await createBenchUser(system.user.address);
    const key = secretKey(context.jwtSecret);
    const token = await mintToken({ key, subject: 'bench', role: 'user', ttlSeconds: 3600 });
    if (options.degraded) await hangRecommendationsAndOpenBreaker(system, key, userId, token);
    return {
      ghz: {
        address: system.aggregator.address,
        call: 'demo.aggregator.v1.AggregatorService/GetUserHome',
        data: { user_id: userId },
        metadata: bearerHeaders(token),
      },
      processes: [system.aggregator, system.user, ...system.recommendations],
      stop: () => system.stop(),
    };
  } catch (error) {
    await system.stop();
    throw error;
  }
}

/** The control room over the whole system, as `make run` starts it, and an admin token to drive it. */
export interface ControlRoom {
  console: ServiceProcess;
  adminToken: string;
  stop(): Promise<void>;
}

export async function controlRoomCase(context: CaseContext): Promise<ControlRoom> {
  const system = await startLocalSystem({
    jwtSecret: context.jwtSecret,
    console: true,
    // Its load calls the one user created below, the first of a fresh store.
    env: { all: telemetry(context, '10%'), console: { LOAD_USER_IDS: '1' } },
    collectLogs: false,
    ...pinned(context),
  });
  try {
    const userId = await createBenchUser(system.user.address);
    if (userId !== '1') throw new Error(`the bench user is ${userId}, not the 1 the console's load calls`);
    if (!system.console) throw new Error('the console did not start');
    const key = secretKey(context.jwtSecret);
    const adminToken = await mintToken({ key, subject: 'bench', role: 'admin', ttlSeconds: 3600 });
    return { console: system.console, adminToken, stop: () => system.stop() };
  } catch (error) {
    await system.stop();
    throw error;
  }
}

export async function createBenchUser(address: string): Promise<string> {
  const client = new protos.demo.user.v1.UserService(address, grpc.credentials.createInsecure());
  try {
    const { response } = await unaryCall<{ user: { id: string } | null }>(
      (md, options, callback) =>
        client.createUser({ name: 'Bench', email: 'bench@example.com' }, md, options, callback),
      { deadline: new Date(Date.now() + 5000) },
    );
    return response.user?.id ?? '1';
  } finally {
    client.close();
  }
}

/** Every call to replica a hangs for hours; calls go on until the aggregator's breaker has opened. */
async function hangRecommendationsAndOpenBreaker(system: LocalSystem, key: SecretKey, userId: string, token: string) {
  const admin = await mintToken({ key, subject: 'bench', role: 'admin', ttlSeconds: 3600 });
  const faults = faultClient(system.recommendations[0]?.address ?? '', { token: admin, protos });
  await faults.set({ delay: { delayMs: 4 * 3600_000, percentage: 100 } });
  faults.close();
  const caller = userHomeCaller({ target: system.aggregator.address, token, userIds: [userId], deadlineMs: 2000 });
  await waitFor('the breaker to open', async () => {
    await Promise.all(Array.from({ length: 10 }, () => caller.send()));
    const state = await scrapeMetric(system.aggregator.metricsPort ?? 0, 'aggregator_circuit_breaker_state', {
      dependency: 'recommendation',
    });
    return state === 1 ? true : undefined;
  });
  caller.close();
}
