import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  faultClient,
  loadProtos,
  mintToken,
  secretKey,
  unaryCall,
  type Fault,
  type LoadedProtos,
} from '@demo/platform';
import { scrapeMetric } from '@demo/testkit/metrics';
import { type ServiceProcess } from '@demo/testkit/processes';
import { runOpenLoop } from '@demo/testkit/open-loop';
import { userHomeCaller } from '../load/user-home-caller.js';
import { startLocalSystem, type LocalSystem } from '@demo/testkit/local-system';
import { phaseNames, type BreakerPoint, type Mode, type PhaseName, type RunRecord } from './analysis.js';
import type { FaultControl, Scenario } from './scenarios.js';

export interface RunSettings {
  rate: number;
  phaseMs: Record<PhaseName, number>;
  deadlineMs: number;
  /** Shown in the report; the aggregator's defaults unless overridden. */
  recommendationTimeoutMs: number;
  halfOpenAfterMs: number;
  /** How often the breaker state is sampled. */
  samplingMs: number;
  log?: (line: string) => void;
}

/**
 * One scenario in one mode, against a freshly started local system: a
 * baseline phase, the fault, the recovery, under open-loop load all along,
 * sampling the aggregator's breaker and counting the calls that reach
 * recommendation.
 */
export async function runScenario(scenario: Scenario, mode: Mode, settings: RunSettings): Promise<RunRecord> {
  const jwtSecret = randomBytes(32).toString('hex');
  const system = await startLocalSystem({
    jwtSecret,
    env: {
      // Per-call info logs from four processes would cost the 2 cores the load needs.
      all: { LOG_LEVEL: 'warn' },
      aggregator: {
        RESILIENCE_ENABLED: mode === 'on' ? 'true' : 'false',
        RECOMMENDATION_TIMEOUT_MS: String(settings.recommendationTimeoutMs),
        BREAKER_HALF_OPEN_AFTER_MS: String(settings.halfOpenAfterMs),
      },
    },
  });
  const key = secretKey(jwtSecret);
  const protos = loadProtos();
  try {
    const userId = await seedUser(system, protos);
    const caller = userHomeCaller({
      target: system.aggregator.address,
      token: await mintToken({ key, subject: 'scenario', role: 'user', ttlSeconds: 3600 }),
      userIds: [userId],
      deadlineMs: settings.deadlineMs,
    });
    const control = faultControl(
      system,
      protos,
      await mintToken({ key, subject: 'scenario', role: 'admin', ttlSeconds: 3600 }),
    );
    const phaseStarts = {
      baseline: 0,
      fault: settings.phaseMs.baseline,
      recovery: settings.phaseMs.baseline + settings.phaseMs.fault,
    };
    const endAt = phaseStarts.recovery + settings.phaseMs.recovery;
    const recommendationCalls: RunRecord['recommendationCalls'] = {
      baseline: undefined,
      fault: undefined,
      recovery: undefined,
    };
    const replicas =
      scenario.name === 'replica-killed'
        ? { killed: system.recommendations[0]?.address ?? '', survivor: system.recommendations[1]?.address ?? '' }
        : undefined;

    const started = performance.now();
    const elapsed = () => performance.now() - started;
    const breaker: BreakerPoint[] = [];
    const aggregatorMetrics = system.aggregator.metricsPort ?? 0;
    const sampler = setInterval(() => {
      const t = elapsed();
      scrapeMetric(aggregatorMetrics, 'aggregator_circuit_breaker_state', { dependency: 'recommendation' }).then(
        (state) => breaker.push({ t, state }),
        () => breaker.push({ t, state: Number.NaN }),
      );
    }, settings.samplingMs);

    let counts = await callCounts(system);
    const phaseTimers = phaseNames.map((phase, index) =>
      setTimeout(
        () => {
          void (async () => {
            const now = await callCounts(system);
            const previous = phaseNames[index - 1];
            if (previous) recommendationCalls[previous] = difference(counts, now);
            counts = now;
            if (phase === 'fault') await scenario.inject(system, control);
            if (phase === 'recovery') await scenario.recover(system, control);
            settings.log?.(`  ${elapsed().toFixed(0).padStart(6)} ms  ${phase}`);
          })().catch((error: unknown) => settings.log?.(`  ${phase} action failed: ${String(error)}`));
        },
        Math.max(0, phaseStarts[phase] - elapsed()),
      ),
    );

    const samples = await runOpenLoop({ rate: settings.rate, durationMs: endAt, send: () => caller.send() });
    recommendationCalls.recovery = difference(counts, await callCounts(system));
    phaseTimers.forEach(clearTimeout);
    clearInterval(sampler);
    caller.close();
    return {
      scenario: scenario.name,
      title: scenario.title,
      mode,
      rate: settings.rate,
      deadlineMs: settings.deadlineMs,
      recommendationTimeoutMs: settings.recommendationTimeoutMs,
      halfOpenAfterMs: settings.halfOpenAfterMs,
      phaseStarts,
      endAt,
      samples,
      breaker: breaker.sort((a, b) => a.t - b.t),
      recommendationCalls,
      ...(replicas ? { replicas } : {}),
    };
  } finally {
    await system.stop();
  }
}

/** The aggregator's logical recommendation calls, and each replica process's received attempts. */
interface CallCounts {
  logical: number;
  attempts: Map<ServiceProcess, number>;
}

async function callCounts(system: LocalSystem): Promise<CallCounts> {
  const logical = await scrapeMetric(system.aggregator.metricsPort ?? 0, 'aggregator_dependency_calls_total', {
    dependency: 'recommendation',
  }).catch(() => Number.NaN);
  const attempts = new Map<ServiceProcess, number>();
  for (const replica of system.recommendations) {
    if (replica.child.exitCode !== null || replica.child.signalCode !== null) continue;
    const count = await scrapeMetric(replica.metricsPort ?? 0, 'grpc_server_started_total', {
      grpc_method: 'GetRecommendations',
    }).catch(() => undefined);
    if (count !== undefined) attempts.set(replica, count);
  }
  return { logical, attempts };
}

/** Attempts count only replicas seen at both ends, so a killed or restarted one does not skew them. */
function difference(before: CallCounts, after: CallCounts) {
  let attempts = 0;
  for (const [replica, count] of after.attempts) {
    const previous = before.attempts.get(replica);
    if (previous !== undefined) attempts += count - previous;
  }
  return { logical: after.logical - before.logical, attempts };
}

async function seedUser(system: LocalSystem, protos: LoadedProtos): Promise<string> {
  const client = new protos.demo.user.v1.UserService(system.user.address, grpc.credentials.createInsecure());
  try {
    const { response } = await unaryCall<{ user: { id: string } | null }>(
      (md, options, callback) =>
        client.createUser({ name: 'Scenario User', email: 'scenario@example.com' }, md, options, callback),
      { deadline: new Date(Date.now() + 5000) },
    );
    if (!response.user) throw new Error('CreateUser answered without a user');
    return response.user.id;
  } finally {
    client.close();
  }
}

/** Sets and clears faults through the second replica, the one the kill scenario leaves alive. */
function faultControl(system: LocalSystem, protos: LoadedProtos, adminToken: string): FaultControl {
  const change = async (fault: Fault) => {
    const replica = system.recommendations[1];
    if (!replica) throw new Error('no recommendation replica');
    const faults = faultClient(replica.address, { token: adminToken, protos });
    try {
      await faults.set(fault);
    } finally {
      faults.close();
    }
  };
  return { set: change, clear: () => change({}) };
}
