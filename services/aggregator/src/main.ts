// Composition root of the aggregator: read config, build each dependency's
// channels (round_robin, with and without its retry policy) and its guard
// (circuit breaker, bulkhead), build the server, start. It only wires: every
// per-call decision lives in the module it belongs to (see README, "The path
// of one GetUserHome").
import {
  createLogger,
  createMetricsRegistry,
  GrpcServer,
  grpcClientMetrics,
  loadConfigOrExit,
  loadProtos,
  onShutdownSignal,
  ReplicatedService,
  replicaPeers,
  secretKey,
  serverSettings,
  startMetricsServer,
} from '@demo/platform';
import { configSchema } from './config.js';
import {
  defenseAuthPolicy,
  defenseServiceHandlers,
  defenseTransport,
  type ReplicatedDefenses,
} from './defense-service.js';
import {
  recommendationDependency,
  recommendationMethod,
  RetryChannels,
  untilConnected,
  userDependency,
  userMethod,
} from './dependencies.js';
import { fallbackRecorder } from './fallback.js';
import { UserHomeAssembler } from './home.js';
import { admissionGate } from './resilience/admission.js';
import { DependencyGuard } from './resilience/dependency-guard.js';
import { defenseMetrics, DefenseState, describeDefenses } from './resilience/defense-switches.js';
import { resilienceMetrics } from './resilience/metrics.js';
import { resilienceSettings } from './resilience/settings.js';
import { aggregatorAuthPolicy, aggregatorHandlers } from './service.js';

const config = loadConfigOrExit(configSchema);
const logger = createLogger({ service: 'aggregator', podName: config.POD_NAME, level: config.LOG_LEVEL });
const metrics = createMetricsRegistry({ service: 'aggregator' });
const protos = loadProtos();
const resilience = resilienceSettings(config);
const defenseMetricsOf = resilienceMetrics(metrics);

const key = secretKey(config.JWT_SECRET);
// The switches start from the environment and change through DefenseService.
const defenses = new DefenseState(resilience.switches);
defenseMetrics(metrics, defenses);

const clientMetrics = grpcClientMetrics(metrics);
const channelDeps = { settings: resilience, metrics: clientMetrics, switches: defenses };
const channels = {
  user: new RetryChannels(protos.demo.user.v1.UserService, config.USER_TARGET, {
    method: userMethod,
    ...channelDeps,
  }),
  recommendation: new RetryChannels(protos.demo.recommendation.v1.RecommendationService, config.RECOMMENDATION_TARGET, {
    method: recommendationMethod,
    ...channelDeps,
  }),
};
const guardDeps = { metrics: defenseMetricsOf, logger, switches: defenses };
const guards = {
  user: new DependencyGuard('user', resilience, guardDeps),
  recommendation: new DependencyGuard('recommendation', resilience, guardDeps),
};
const home = new UserHomeAssembler({
  users: userDependency(channels.user, guards.user),
  recommendations: recommendationDependency(channels.recommendation, guards.recommendation),
  timeoutMs: resilience.timeoutMs,
  deadlineMarginMs: resilience.deadlineMarginMs,
  defenses,
  onDegraded: fallbackRecorder(defenseMetricsOf),
});

const server = new GrpcServer({
  ...serverSettings(config),
  logger,
  metrics,
  reflection: protos.reflection,
  auth: { policy: { ...aggregatorAuthPolicy, ...defenseAuthPolicy }, key },
  ...(resilience.admissionMaxInFlight === undefined
    ? {}
    : {
        admission: admissionGate({
          maxInFlight: resilience.admissionMaxInFlight,
          metrics: defenseMetricsOf,
          logger,
        }),
      }),
});
const replicatedDefenses: ReplicatedDefenses = new ReplicatedService({
  state: defenses,
  peers: replicaPeers(config.DEFENSE_PEERS_TARGET, {
    hosts: [config.GRPC_HOST, config.POD_IP],
    port: () => server.port,
  }),
  replica: () => server.replica,
  connect: (address, credentials, options) =>
    new protos.demo.aggregator.v1.DefenseService(address, credentials, options),
  transport: defenseTransport,
  key,
  topic: 'defenses',
  logger,
  describe: describeDefenses,
});
server.addService(
  protos.demo.aggregator.v1.AggregatorService.service,
  aggregatorHandlers(server.rpc, { home, defenses }),
);
server.addService(
  protos.demo.aggregator.v1.DefenseService.service,
  defenseServiceHandlers(server.rpc, { defenses: replicatedDefenses }),
);

const metricsServer = await startMetricsServer({
  registry: metrics,
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
  logger,
});
// Readiness does not follow the dependencies on purpose: a shared downstream
// outage would take every aggregator pod out of rotation at once, while a
// serving aggregator still answers fast (degraded, or UNAVAILABLE). It does
// wait for the switches the other replicas run, and, once, at start, for its
// channels to connect: pods started together (helm install, a node reboot)
// would otherwise take their first calls while the dependencies' pods are
// not Ready yet and answer UNAVAILABLE or degraded for those first seconds.
await replicatedDefenses.startServing(server, async () => {
  const unconnected = await untilConnected(
    [...channels.user.clients, ...channels.recommendation.clients],
    config.STARTUP_CONNECT_TIMEOUT_MS,
  );
  if (unconnected > 0) {
    logger.warn(
      { unconnected, waitedMs: config.STARTUP_CONNECT_TIMEOUT_MS },
      'serving before every dependency is reachable',
    );
  }
});
logger.info(
  {
    user: config.USER_TARGET,
    recommendation: config.RECOMMENDATION_TARGET,
    defenses: defenses.toString(),
    admissionMaxInFlight: resilience.admissionMaxInFlight,
  },
  'dependencies',
);

onShutdownSignal(logger, async () => {
  await server.shutdown();
  channels.user.close();
  channels.recommendation.close();
  replicatedDefenses.close();
  metricsServer.close();
});
