// Composition root of the user service: read config, build the store, build
// the server, start.
import {
  createLogger,
  createMetricsRegistry,
  GrpcServer,
  loadConfigOrExit,
  loadProtos,
  onShutdownSignal,
  serverSettings,
  startMetricsServer,
} from '@demo/platform';
import { configSchema } from './config.js';
import { MemoryUserStore } from './memory-store.js';
import { RedisUserStore } from './redis-store.js';
import { userAuthPolicy, userHandlers } from './service.js';
import type { UserStore } from './store.js';

const config = loadConfigOrExit(configSchema);
const logger = createLogger({ service: 'user', podName: config.POD_NAME, level: config.LOG_LEVEL });
const metrics = createMetricsRegistry({ service: 'user' });
const protos = loadProtos();

const server = new GrpcServer({
  ...serverSettings(config),
  logger,
  metrics,
  reflection: protos.reflection,
  auth: { policy: userAuthPolicy },
});
// Readiness follows Redis: while it is unreachable this replica reports
// NOT_SERVING and Kubernetes sends its traffic to the others.
const userStore: UserStore = config.REDIS_URL
  ? new RedisUserStore({
      url: config.REDIS_URL,
      logger,
      onReadinessChange: (ready) => server.setReady(ready),
      commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
      maxInFlightCommands: config.REDIS_MAX_IN_FLIGHT_COMMANDS,
      maxQueuedCommands: config.REDIS_MAX_QUEUED_COMMANDS,
    })
  : new MemoryUserStore();
server.addService(protos.demo.user.v1.UserService.service, userHandlers(server.rpc, { userStore }));

const metricsServer = await startMetricsServer({
  registry: metrics,
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
  logger,
});
await server.start();
logger.info({ store: config.REDIS_URL ? 'redis' : 'memory' }, 'user store selected');

onShutdownSignal(logger, async () => {
  await server.shutdown();
  await userStore.close();
  metricsServer.close();
});
