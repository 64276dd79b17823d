// Composition root of the console: read config, build the service calls,
// the sampler and the load generator, serve the page, start.
import { once } from 'node:events';
import { Counter } from 'prom-client';
import {
  createClient,
  createLogger,
  createMetricsRegistry,
  loadConfigOrExit,
  loadProtos,
  onShutdownSignal,
  secretKey,
  startMetricsServer,
} from '@demo/platform';
import { configSchema } from './config.js';
import { createConsoleServer } from './http-server.js';
import { LoadGenerator } from './load-generator.js';
import { ServiceCalls } from './service-calls.js';
import { SystemSampler } from './system-sampler.js';

const config = loadConfigOrExit(configSchema);
const logger = createLogger({ service: 'console', podName: config.POD_NAME, level: config.LOG_LEVEL });
const metrics = createMetricsRegistry({ service: 'console' });
const protos = loadProtos();
const key = secretKey(config.JWT_SECRET);

const calls = new ServiceCalls({
  protos,
  targets: { aggregator: config.AGGREGATOR_TARGET, recommendation: config.RECOMMENDATION_TARGET },
  key,
});
const sampler = new SystemSampler({
  targets: {
    aggregator: config.AGGREGATOR_METRICS_TARGET,
    user: config.USER_METRICS_TARGET,
    recommendation: config.RECOMMENDATION_METRICS_TARGET,
    ...(config.GATEWAY_METRICS_TARGET ? { gateway: config.GATEWAY_METRICS_TARGET } : {}),
  },
  calls,
  historyPoints: config.HISTORY_POINTS,
  logger,
});
const loadCalls = new Counter({
  name: 'console_load_calls_total',
  help: 'GetUserHome calls the built-in load generator made, by outcome.',
  labelNames: ['outcome'],
  registers: [metrics],
});
const aggregatorClient = createClient(protos.demo.aggregator.v1.AggregatorService, config.AGGREGATOR_TARGET);
const load = new LoadGenerator({
  client: aggregatorClient,
  token: () => calls.readToken(),
  userIds: config.LOAD_USER_IDS,
  deadlineMs: config.LOAD_DEADLINE_MS,
  onOutcome: (outcome) => loadCalls.inc({ outcome }),
});

const { server, closeStreams } = createConsoleServer({
  sampler,
  calls,
  load,
  key,
  logger,
  jaegerUrl: config.JAEGER_UI_URL,
  jaegerQueryUrl: config.JAEGER_QUERY_URL,
  // Links only where traces go somewhere: with an OTLP endpoint and a Jaeger UI.
  traceLinks: config.JAEGER_UI_URL !== '' && process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] !== undefined,
  maxRate: config.LOAD_MAX_RATE,
});

const metricsServer = await startMetricsServer({
  registry: metrics,
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
  logger,
});
server.listen(config.HTTP_PORT, config.HTTP_HOST);
await once(server, 'listening');
const address = server.address();
const boundPort = typeof address === 'object' && address !== null ? address.port : config.HTTP_PORT;
sampler.start(config.SAMPLE_INTERVAL_MS);
logger.info(
  {
    address: `${config.HTTP_HOST}:${boundPort}`,
    url: `http://${config.HTTP_HOST}:${boundPort}`,
    aggregator: config.AGGREGATOR_TARGET,
    recommendation: config.RECOMMENDATION_TARGET,
  },
  'serving',
);

onShutdownSignal(logger, async () => {
  load.stop();
  sampler.stop();
  // Event streams never end by themselves; close them so the server can.
  closeStreams();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_GRACE_MS).unref())]);
  server.closeAllConnections();
  aggregatorClient.close();
  calls.close();
  metricsServer.close();
});
