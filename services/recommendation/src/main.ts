// Composition root of the recommendation service: read config, build the
// recommender, build the server, start.
import {
  boundPort,
  createLogger,
  createMetricsRegistry,
  GrpcServer,
  loadConfigOrExit,
  loadProtos,
  onShutdownSignal,
  serverSettings,
  startMetricsServer,
} from '@demo/platform';
import { loadCatalog } from './catalog.js';
import { configSchema } from './config.js';
import { Recommender } from './recommender.js';
import { recommendationHandlers } from './service.js';

const config = loadConfigOrExit(configSchema);
const logger = createLogger({ service: 'recommendation', podName: config.POD_NAME, level: config.LOG_LEVEL });
const metrics = createMetricsRegistry({ service: 'recommendation' });
const protos = loadProtos();
const recommender = new Recommender(await loadCatalog());

const server = new GrpcServer({
  ...serverSettings(config),
  logger,
  metrics,
  reflection: protos.reflection,
});
server.addService(
  protos.demo.recommendation.v1.RecommendationService.service,
  recommendationHandlers(server.rpc, { recommender, replica: () => server.replica }),
);

const metricsServer = await startMetricsServer({
  registry: metrics,
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
});
logger.info({ port: boundPort(metricsServer) }, 'metrics listening');
await server.start();
logger.info({ products: recommender.size }, 'catalog loaded');

onShutdownSignal(logger, async () => {
  await server.shutdown();
  metricsServer.close();
});
