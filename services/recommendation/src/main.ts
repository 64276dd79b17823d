// Composition root of the recommendation service: read config, build the
// recommender and the fault injection, build the server, start.
import {
  createLogger,
  createMetricsRegistry,
  describeFault,
  faultAuthPolicy,
  faultInterceptor,
  faultMetrics,
  faultServiceHandlers,
  FaultState,
  faultTransport,
  GrpcServer,
  loadConfigOrExit,
  loadProtos,
  onShutdownSignal,
  ReplicatedService,
  replicaPeers,
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
const replicatedFault = new ReplicatedService({
  state: faultState,
  peers: replicaPeers(config.FAULT_PEERS_TARGET, { hosts: [config.GRPC_HOST, config.POD_IP], port: () => server.port }),
  replica: () => server.replica,
  connect: (address, credentials, options) => new protos.demo.fault.v1.FaultService(address, credentials, options),
  transport: faultTransport,
  key,
  topic: 'fault',
  logger,
  describe: describeFault,
});
server.addService(
  protos.demo.recommendation.v1.RecommendationService.service,
  recommendationHandlers(server.rpc, { recommender, replica: () => server.replica }),
);
server.addService(
  protos.demo.fault.v1.FaultService.service,
  faultServiceHandlers(server.rpc, { fault: replicatedFault }),
);

const metricsServer = await startMetricsServer({
  registry: metrics,
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
  logger,
});
logger.info({ products: recommender.size, fault: faultState.toString() }, 'catalog loaded');
// Not ready until it runs the fault its peers run: a replica that joins
// during a fault demo must not serve healthy answers meanwhile.
await replicatedFault.startServing(server);

onShutdownSignal(logger, async () => {
  await server.shutdown();
  replicatedFault.close();
  metricsServer.close();
});
