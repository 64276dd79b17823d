// `make run`: the whole system as local processes on DESIGN.md's ports (no
// cluster, Redis or Jaeger needed). Waits until every service reports
// SERVING, seeds a few users, prints a token and grpcurl commands, and stops
// every process on Ctrl-C. PORT_OFFSET=1000 moves every port it opens by
// 1000 (51051 for the aggregator, and so on).
import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import { envoyInstalled } from '@demo/testkit/envoy-process';
import { loadConfigOrExit, loadProtos, mintToken, secretKey, unaryCall } from '@demo/platform';
import { localDevJwtSecret, localGatewayCorsOrigins, localRunPorts, portOffsetRange } from '@demo/testkit/local-dev';
import { startLocalJaeger } from '@demo/testkit/local-jaeger';
import { startLocalSystem, type LocalServiceName, type LocalSystem } from '@demo/testkit/local-system';

const colors: Record<LocalServiceName, number> = {
  aggregator: 35,
  user: 36,
  'recommendation-a': 33,
  'recommendation-b': 32,
  console: 34,
};

/** Variables passed through to every service: telemetry, defenses, start-up faults, log level, Redis. */
const passedThrough = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined &&
      (['OTEL_', 'FAULT_', 'RESILIENCE_', 'BREAKER_', 'BULKHEAD_', 'RETRY_'].some((p) => entry[0].startsWith(p)) ||
        ['LOG_LEVEL', 'REDIS_URL'].includes(entry[0])),
  ),
);

const config = loadConfigOrExit(
  z.object({
    PORT_OFFSET: z.coerce.number().int().min(portOffsetRange.min).max(portOffsetRange.max).default(0),
  }),
);
const ports = localRunPorts(config.PORT_OFFSET);

let system: LocalSystem | undefined;
let jaeger: Awaited<ReturnType<typeof startLocalJaeger>>;

async function stopAll(exitCode: number): Promise<never> {
  await system?.stop();
  await jaeger?.stop();
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const withGateway = envoyInstalled();
if (!withGateway)
  process.stdout.write(
    `The gateway is not installed (make install puts Envoy in .tools): no REST on :${ports.gateway.http}\n`,
  );

try {
  system = await startLocalSystem({
    jwtSecret: localDevJwtSecret,
    ports: {
      user: ports.user,
      'recommendation-a': ports.recommendationA,
      'recommendation-b': ports.recommendationB,
      aggregator: ports.aggregator,
      console: { grpc: ports.console.http, metrics: ports.console.metrics },
    },
    console: true,
    gateway: withGateway && {
      port: ports.gateway.http,
      adminPort: ports.gateway.admin,
      metricsPort: ports.gateway.metrics,
      corsOrigins: localGatewayCorsOrigins(ports.console.http),
    },
    env: { all: { ...passedThrough, ...(await tracesEnv()) } },
    onLine: (service, line) => {
      process.stdout.write(`\u001b[${colors[service]}m${service.padEnd(16)}\u001b[0m| ${line}\n`);
    },
    onUnexpectedExit: (service, code) => {
      process.stderr.write(`${service} exited unexpectedly (code ${code}); stopping everything\n`);
      void stopAll(1);
    },
  });
} catch (error) {
  process.stderr.write(`could not start the local system: ${error instanceof Error ? error.message : String(error)}\n`);
  process.stderr.write(
    `is another \`make run\` still listening on ports ${ports.aggregator.grpc}-${ports.recommendationB.grpc}, ${ports.console.http} or ${ports.gateway.http}? PORT_OFFSET=1000 make run moves every port by 1000\n`,
  );
  // The services that started are stopped already; Jaeger, started first, is not.
  await stopAll(1);
}

await seedUsers();
const token = await mintToken({
  key: secretKey(localDevJwtSecret),
  subject: 'local-developer',
  role: 'user',
  ttlSeconds: 12 * 3600,
});
const aggregator = `127.0.0.1:${ports.aggregator.grpc}`;
process.stdout.write(`
  All services SERVING: aggregator ${aggregator}, user :${ports.user.grpc}, recommendation :${ports.recommendationA.grpc} and :${ports.recommendationB.grpc}
  Metrics: http://127.0.0.1:${ports.aggregator.metrics}/metrics (and :${ports.user.metrics}, :${ports.recommendationA.metrics}, :${ports.recommendationB.metrics}${withGateway ? `, the gateway's :${ports.gateway.metrics}` : ''})

  export TOKEN=${token}

  grpcurl -plaintext ${aggregator} list
  grpcurl -plaintext -H "authorization: Bearer $TOKEN" -d '{"user_id": 1}' ${aggregator} demo.aggregator.v1.AggregatorService/GetUserHome
  grpcurl -plaintext -d '{"page_size": 10}' 127.0.0.1:${ports.user.grpc} demo.user.v1.UserService/ListUsers

${
  withGateway
    ? `  REST through the gateway (README: "REST and browsers"):
  curl -H "authorization: Bearer $TOKEN" 'http://127.0.0.1:${ports.gateway.http}/v1/users/1/home?recommendation_limit=3'

`
    : ''
}  make fault-on HANG=1 (or DELAY_MS=2000 PERCENT=100, CODE=UNAVAILABLE PERCENT=50), make fault-off, make load.${
  config.PORT_OFFSET === 0
    ? ''
    : `
  On these ports they want their targets: FAULT_TARGET=127.0.0.1:${ports.recommendationA.grpc} for make fault-on, fault-off and fault-status, TARGET=${aggregator} for make load.`
}

  The control room: http://127.0.0.1:${ports.console.http}  (admin token for its controls: ROLE=admin make -s token)
  Ctrl-C stops everything.
`);

/**
 * Traces go to the local Jaeger when `make install` built it, unless
 * OTEL_EXPORTER_OTLP_ENDPOINT already points somewhere else.
 */
async function tracesEnv(): Promise<Record<string, string>> {
  if (process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] !== undefined) return {};
  jaeger = await startLocalJaeger(ports.jaeger);
  if (!jaeger) {
    process.stdout.write('Jaeger is not installed (make install builds it): running without traces\n');
    return {};
  }
  process.stdout.write(`Jaeger: ${jaeger.uiUrl} (traces kept in memory until Ctrl-C)\n`);
  // The console links each trace to this Jaeger's UI and reads its API.
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint,
    JAEGER_UI_URL: jaeger.uiUrl,
    JAEGER_QUERY_URL: jaeger.uiUrl,
  };
}

/** Three users so that GetUserHome for ids 1 to 3 answers at once. */
async function seedUsers(): Promise<void> {
  const protos = loadProtos();
  const client = new protos.demo.user.v1.UserService(`127.0.0.1:${ports.user.grpc}`, grpc.credentials.createInsecure());
  const people = [
    { name: 'Ada Lovelace', email: 'ada@example.com' },
    { name: 'Grace Hopper', email: 'grace@example.com' },
    { name: 'Alan Turing', email: 'alan@example.com' },
  ];
  try {
    for (const person of people) {
      await unaryCall((metadata, options, callback) => client.createUser(person, metadata, options, callback), {
        deadline: new Date(Date.now() + 5000),
      }).catch((error: unknown) => {
        // A REDIS_URL store may already hold them from an earlier run.
        if ((error as { code?: number }).code !== grpc.status.ALREADY_EXISTS) throw error;
      });
    }
  } finally {
    client.close();
  }
}
