// Composition root of the recommendation service: read config, build the
// recommender and the fault injection, build the server, start.
import {
  createLogger,
  createMetricsRegistry,
  faultAuthPolicy,
  FaultCoordinator,
  faultInterceptor,
  faultMetrics,
  faultPeers,
  faultServiceHandlers,
  FaultState,
  GrpcServer,
  loadConfigOrExit,
  loadProtos,
  onShutdownSignal,
  secretKey,
  serverSettings,
  startMetricsServer,
  validateFault,
} from '@demo/platform';
import { loadCatalog } from './catalog.js';
import { configSchema } from './config.js';
import { Recommender } from './recommender.js';
import { recommendationAuthPolicy, recommendationHandlers } from './service.js';

const config = loadConfigOrExit(configSchema);
const logger = createLogger({ service: 'recommendation', podName: config.POD_NAME, level: config.LOG_LEVEL });
const metrics = createMetricsRegistry({ service: 'recommendation' });
const protos = loadProtos();
const recommender = new Recommender(await loadCatalog());
const key = secretKey(config.JWT_SECRET);

const faultState = new FaultState(
  validateFault({
    delay: { delayMs: config.FAULT_DELAY_MS, percentage: config.FAULT_DELAY_PERCENT },
    abort: { grpcCode: config.FAULT_ABORT_CODE, percentage: config.FAULT_ABORT_PERCENT },
  }),
);

const server = new GrpcServer({
  ...serverSettings(config),
  logger,
  metrics,
  reflection: protos.reflection,
  auth: { policy: { ...recommendationAuthPolicy, ...faultAuthPolicy }, key },
  interceptors: [faultInterceptor({ state: faultState, onInjected: faultMetrics(metrics, faultState).record })],
});
const coordinator = new FaultCoordinator({
  state: faultState,
  peers: faultPeers(config.FAULT_PEERS_TARGET, () =>
    [config.GRPC_HOST, config.POD_IP].flatMap((host) => (host ? [`${host}:${server.port}`] : [])),
  ),
  replica: () => server.replica,
  FaultServiceClient: protos.demo.fault.v1.FaultService,
  key,
  logger,
});
server.addService(
  protos.demo.recommendation.v1.RecommendationService.service,
  recommendationHandlers(server.rpc, { recommender, replica: () => server.replica }),
);
server.addService(
  protos.demo.fault.v1.FaultService.service,
  faultServiceHandlers(server.rpc, { coordinator, replica: () => server.replica }),
);

const metricsServer = await startMetricsServer({
  registry: metrics,
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
  logger,
});
// Not ready until it runs the fault its peers run: a replica that joins
// during a fault demo must not serve healthy answers meanwhile.
server.setReady(false);
await server.start();
logger.info({ products: recommender.size, fault: faultState.toString() }, 'catalog loaded');
await coordinator.adoptFromPeers();
server.setReady(true);

onShutdownSignal(logger, async () => {
  await server.shutdown();
  metricsServer.close();
});
