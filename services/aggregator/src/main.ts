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
  secretKey,
  serverSettings,
  startMetricsServer,
} from '@demo/platform';
import { trace } from '@opentelemetry/api';
import { configSchema } from './config.js';
import { recommendationDependency, userDependency } from './dependencies.js';
import { UserHomeAssembler } from './home.js';
import { admissionInterceptor } from './resilience/admission.js';
import { DependencyGuard } from './resilience/dependency-guard.js';
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
const defenseMetrics = resilienceMetrics(metrics);

const clientMetrics = grpcClientMetrics(metrics);
const userClient = createClient(protos.demo.user.v1.UserService, config.USER_TARGET, {
  serviceConfig: retryServiceConfig({ service: 'demo.user.v1.UserService', method: 'GetUser' }, resilience),
  metrics: clientMetrics,
});
const recommendationClient = createClient(
  protos.demo.recommendation.v1.RecommendationService,
  config.RECOMMENDATION_TARGET,
  {
    serviceConfig: retryServiceConfig(
      { service: 'demo.recommendation.v1.RecommendationService', method: 'GetRecommendations' },
      resilience,
    ),
    metrics: clientMetrics,
  },
);
const guards = {
  user: new DependencyGuard('user', resilience, { metrics: defenseMetrics, logger }),
  recommendation: new DependencyGuard('recommendation', resilience, { metrics: defenseMetrics, logger }),
};
const home = new UserHomeAssembler({
  users: userDependency(userClient, guards.user),
  recommendations: recommendationDependency(recommendationClient, guards.recommendation),
  timeoutMs: resilience.timeouts ? resilience.timeoutMs : undefined,
  deadlineMarginMs: resilience.deadlineMarginMs,
  fallback: resilience.fallback,
  onDegraded: (dependency, kind) => {
    defenseMetrics.degraded.inc();
    defenseMetrics.fallbacks.inc({ dependency });
    trace.getActiveSpan()?.addEvent('fallback.used', { dependency, reason: failureKinds[kind].reason });
  },
});

const server = new GrpcServer({
  ...serverSettings(config),
  logger,
  metrics,
  reflection: protos.reflection,
  auth: { policy: aggregatorAuthPolicy, key: secretKey(config.JWT_SECRET) },
  ...(resilience.admissionMaxInFlight === undefined
    ? {}
    : {
        admission: admissionInterceptor({
          maxInFlight: resilience.admissionMaxInFlight,
          metrics: defenseMetrics,
          logger,
        }),
      }),
});
server.addService(protos.demo.aggregator.v1.AggregatorService.service, aggregatorHandlers(server.rpc, { home }));

const metricsServer = await startMetricsServer({
  registry: metrics,
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
  logger,
});
// Readiness does not follow the dependencies on purpose: a shared downstream
// outage would take every aggregator pod out of rotation at once, while a
// serving aggregator still answers fast (degraded, or UNAVAILABLE).
await server.start();
logger.info(
  {
    user: config.USER_TARGET,
    recommendation: config.RECOMMENDATION_TARGET,
    defenses: {
      timeouts: resilience.timeouts,
      retries: resilience.retries,
      circuitBreaker: resilience.circuitBreaker,
      bulkhead: resilience.bulkhead,
      fallback: resilience.fallback,
      admissionMaxInFlight: resilience.admissionMaxInFlight,
    },
  },
  'dependencies',
);

onShutdownSignal(logger, async () => {
  await server.shutdown();
  userClient.close();
  recommendationClient.close();
  metricsServer.close();
});
