// `make run`: the whole system as local processes on DESIGN.md's ports (no
// cluster, Redis or Jaeger needed). Waits until every service reports
// SERVING, seeds a few users, prints a token and grpcurl commands, and stops
// every process on Ctrl-C.
import * as grpc from '@grpc/grpc-js';
import { loadProtos, mintToken, secretKey, unaryCall } from '@demo/platform';
import { startService, type ServiceProcess } from '@demo/platform/testing';
import { serviceEntry } from './entrypoints.js';
import { localDevJwtSecret, localPorts } from './local-dev.js';

const colors = { aggregator: 35, user: 36, 'recommendation-a': 33, 'recommendation-b': 32 } as const;
type Name = keyof typeof colors;

/** Variables passed through to every service: telemetry, log level and the optional Redis. */
const passedThrough = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined &&
      (entry[0].startsWith('OTEL_') ||
        entry[0].startsWith('FAULT_') ||
        entry[0].startsWith('RESILIENCE_') ||
        ['LOG_LEVEL', 'REDIS_URL'].includes(entry[0])),
  ),
);

/** Each recommendation replica knows both, to forward fault changes (as DNS gives every pod in the cluster). */
const recommendationEnv = {
  FAULT_PEERS_TARGET: `ipv4:127.0.0.1:${localPorts.recommendationA.grpc},127.0.0.1:${localPorts.recommendationB.grpc}`,
};

const running: ServiceProcess[] = [];
let stopping = false;

function prefix(name: Name) {
  const label = `\u001b[${colors[name]}m${name.padEnd(16)}\u001b[0m|`;
  return (line: string) => process.stdout.write(`${label} ${line}\n`);
}

async function start(
  name: Name,
  entry: string,
  ports: { grpc: number; metrics: number },
  env: Record<string, string> = {},
) {
  const service = await startService({
    name,
    entry,
    env: {
      ...passedThrough,
      GRPC_PORT: String(ports.grpc),
      METRICS_PORT: String(ports.metrics),
      JWT_SECRET: localDevJwtSecret,
      ...env,
    },
    onLine: prefix(name),
  });
  running.push(service);
  void service.exited.then((code) => {
    if (stopping) return;
    process.stderr.write(`${name} exited unexpectedly (code ${code}); stopping everything\n`);
    void stopAll(1);
  });
  return service;
}

async function stopAll(exitCode: number): Promise<never> {
  stopping = true;
  await Promise.all(running.map((service) => service.stop('SIGTERM')));
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  await Promise.all([
    start('user', serviceEntry.user, localPorts.user),
    start('recommendation-a', serviceEntry.recommendation, localPorts.recommendationA, recommendationEnv),
    start('recommendation-b', serviceEntry.recommendation, localPorts.recommendationB, recommendationEnv),
  ]);
  await start('aggregator', serviceEntry.aggregator, localPorts.aggregator);
} catch (error) {
  process.stderr.write(`could not start the local system: ${error instanceof Error ? error.message : String(error)}\n`);
  process.stderr.write('is another `make run` still listening on ports 50051-50054?\n');
  await stopAll(1);
}

await seedUsers();
const token = await mintToken({
  key: secretKey(localDevJwtSecret),
  subject: 'local-developer',
  role: 'user',
  ttlSeconds: 12 * 3600,
});
const aggregator = `127.0.0.1:${localPorts.aggregator.grpc}`;
process.stdout.write(`
  All services SERVING: aggregator ${aggregator}, user :${localPorts.user.grpc}, recommendation :${localPorts.recommendationA.grpc} and :${localPorts.recommendationB.grpc}
  Metrics: http://127.0.0.1:${localPorts.aggregator.metrics}/metrics (and :${localPorts.user.metrics}, :${localPorts.recommendationA.metrics}, :${localPorts.recommendationB.metrics})

  export TOKEN=${token}

  grpcurl -plaintext ${aggregator} list
  grpcurl -plaintext -H "authorization: Bearer $TOKEN" -d '{"user_id": 1}' ${aggregator} demo.aggregator.v1.AggregatorService/GetUserHome
  grpcurl -plaintext -d '{"page_size": 10}' 127.0.0.1:${localPorts.user.grpc} demo.user.v1.UserService/ListUsers

  Ctrl-C stops everything.
`);

/** Three users so that GetUserHome for ids 1 to 3 answers at once. */
async function seedUsers(): Promise<void> {
  const protos = loadProtos();
  const client = new protos.demo.user.v1.UserService(
    `127.0.0.1:${localPorts.user.grpc}`,
    grpc.credentials.createInsecure(),
  );
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
