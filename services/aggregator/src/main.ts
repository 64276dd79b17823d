// Composition root of the aggregator: read config, build one client per
// dependency (each on its own round_robin channel), build the server, start.
import {
  boundPort,
  createClient,
  createLogger,
  createMetricsRegistry,
  GrpcServer,
  loadConfigOrExit,
  loadProtos,
  onShutdownSignal,
  secretKey,
  serverSettings,
  startMetricsServer,
} from '@demo/platform';
import { configSchema } from './config.js';
import { recommendationDependency, userDependency } from './dependencies.js';
import { UserHomeAssembler } from './home.js';
import { aggregatorAuthPolicy, aggregatorHandlers } from './service.js';

const config = loadConfigOrExit(configSchema);
const logger = createLogger({ service: 'aggregator', podName: config.POD_NAME, level: config.LOG_LEVEL });
const metrics = createMetricsRegistry({ service: 'aggregator' });
const protos = loadProtos();

const userClient = createClient(protos.demo.user.v1.UserService, config.USER_TARGET);
const recommendationClient = createClient(
  protos.demo.recommendation.v1.RecommendationService,
  config.RECOMMENDATION_TARGET,
);
const home = new UserHomeAssembler({
  users: userDependency(userClient),
  recommendations: recommendationDependency(recommendationClient),
  userTimeoutMs: config.USER_TIMEOUT_MS,
  recommendationTimeoutMs: config.RECOMMENDATION_TIMEOUT_MS,
  deadlineMarginMs: config.DEADLINE_MARGIN_MS,
});

const server = new GrpcServer({
  ...serverSettings(config),
  logger,
  metrics,
  reflection: protos.reflection,
  auth: { policy: aggregatorAuthPolicy, key: secretKey(config.JWT_SECRET) },
});
server.addService(protos.demo.aggregator.v1.AggregatorService.service, aggregatorHandlers(server.rpc, { home }));

const metricsServer = await startMetricsServer({
  registry: metrics,
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
});
logger.info({ port: boundPort(metricsServer) }, 'metrics listening');
// Readiness does not follow the dependencies on purpose: a shared downstream
// outage would take every aggregator pod out of rotation at once, while a
// serving aggregator still answers fast (degraded, or UNAVAILABLE).
await server.start();
logger.info({ user: config.USER_TARGET, recommendation: config.RECOMMENDATION_TARGET }, 'dependencies');

onShutdownSignal(logger, async () => {
  await server.shutdown();
  userClient.close();
  recommendationClient.close();
  metricsServer.close();
});
