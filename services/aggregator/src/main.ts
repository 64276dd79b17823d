// Composition root of the aggregator: read config, build one client per
// dependency (each on its own round_robin channel, with its retry policy)
// and its guard (circuit breaker, bulkhead), build the server, start.
import {
  createClient,
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
import { trace } from '@opentelemetry/api';
import { configSchema } from './config.js';
import {
  defenseAuthPolicy,
  defenseServiceHandlers,
  defenseTransport,
  type ReplicatedDefenses,
} from './defense-service.js';
import { recommendationDependency, userDependency } from './dependencies.js';
import { untilConnected } from './channels.js';
import { UserHomeAssembler } from './home.js';
import { admissionGate } from './resilience/admission.js';
import { DependencyGuard } from './resilience/dependency-guard.js';
import { defenseMetrics, DefenseState, describeDefenses } from './resilience/defense-switches.js';
import { failureKinds } from './resilience/failures.js';
import { resilienceMetrics } from './resilience/metrics.js';
import { retryServiceConfig } from './resilience/retry.js';
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
const userMethod = { service: 'demo.user.v1.UserService', method: 'GetUser' };
const recommendationMethod = { service: 'demo.recommendation.v1.RecommendationService', method: 'GetRecommendations' };
// Two channels per dependency, with and without the retry policy (grpc-js
// sets retries per channel); the retry switch picks one for each call.
const userClients = {
  withRetries: createClient(protos.demo.user.v1.UserService, config.USER_TARGET, {
    serviceConfig: retryServiceConfig(userMethod, resilience),
    metrics: clientMetrics,
  }),
  withoutRetries: createClient(protos.demo.user.v1.UserService, config.USER_TARGET, { metrics: clientMetrics }),
};
const recommendationClients = {
  withRetries: createClient(protos.demo.recommendation.v1.RecommendationService, config.RECOMMENDATION_TARGET, {
    serviceConfig: retryServiceConfig(recommendationMethod, resilience),
    metrics: clientMetrics,
  }),
  withoutRetries: createClient(protos.demo.recommendation.v1.RecommendationService, config.RECOMMENDATION_TARGET, {
    metrics: clientMetrics,
  }),
};
const chosen =
  <Client>(clients: { withRetries: Client; withoutRetries: Client }) =>
  () =>
    defenses.current.retries ? clients.withRetries : clients.withoutRetries;

const guards = {
  user: new DependencyGuard('user', resilience, { metrics: defenseMetricsOf, logger, switches: defenses }),
  recommendation: new DependencyGuard('recommendation', resilience, {
    metrics: defenseMetricsOf,
    logger,
    switches: defenses,
  }),
};
const home = new UserHomeAssembler({
  users: userDependency(chosen(userClients), guards.user),
  recommendations: recommendationDependency(chosen(recommendationClients), guards.recommendation),
  timeoutMs: resilience.timeoutMs,
  deadlineMarginMs: resilience.deadlineMarginMs,
  defenses: () => defenses.current,
  onDegraded: (dependency, kind) => {
    defenseMetricsOf.degraded.inc();
    defenseMetricsOf.fallbacks.inc({ dependency });
    trace.getActiveSpan()?.addEvent('fallback.used', { dependency, reason: failureKinds[kind].reason });
  },
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
  aggregatorHandlers(server.rpc, { home, defenses: () => defenses.current }),
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
  const channels = [...Object.values(userClients), ...Object.values(recommendationClients)];
  const unconnected = await untilConnected(channels, config.STARTUP_CONNECT_TIMEOUT_MS);
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
  for (const client of [...Object.values(userClients), ...Object.values(recommendationClients)]) client.close();
  replicatedDefenses.close();
  metricsServer.close();
});
