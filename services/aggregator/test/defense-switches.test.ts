import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { eachDefense, mintToken, secretKey, unaryCall, type DefenseSwitches } from '@demo/platform';
import { freePort, scrapeMetric, startService, waitFor, type ServiceProcess } from '@demo/platform/testing';
import type { GetDefensesResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/GetDefensesResponse.js';
import type { SetDefensesResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/SetDefensesResponse.js';
import {
  bearer,
  clearFault,
  createUser,
  getUserHome,
  protos,
  setFault,
  startLocalSystem,
  testSecret,
} from './system.js';

const entry = fileURLToPath(new URL('../src/main.js', import.meta.url));
const allOn = eachDefense(() => true);

async function defenseCall<Response>(
  address: string,
  role: 'user' | 'admin',
  call: (
    client: InstanceType<typeof protos.demo.aggregator.v1.DefenseService>,
    md: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: Response) => void,
  ) => grpc.ClientUnaryCall,
) {
  const client = new protos.demo.aggregator.v1.DefenseService(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('authorization', await bearer(role));
  try {
    const { response } = await unaryCall<Response>((md, options, callback) => call(client, md, options, callback), {
      deadline: new Date(Date.now() + 5000),
      metadata,
    });
    return response;
  } finally {
    client.close();
  }
}

/**
 * Starts aggregator replicas on the given ports, each a peer of all. The
 * dependencies need not answer: switching defenses does not call them.
 */
function replicaStarter(ports: number[]) {
  const peers = `ipv4:${ports.map((port) => `127.0.0.1:${port}`).join(',')}`;
  return async (port: number, name: string) =>
    startService({
      name,
      entry,
      env: {
        JWT_SECRET: testSecret,
        GRPC_PORT: String(port),
        METRICS_PORT: String(await freePort()),
        DEFENSE_PEERS_TARGET: peers,
      },
    });
}

const setDefenses = (address: string, defenses: DefenseSwitches, role: 'user' | 'admin' = 'admin') =>
  defenseCall<SetDefensesResponse__Output>(address, role, (client, md, options, callback) =>
    client.setDefenses({ defenses }, md, options, callback),
  );
const getDefenses = (address: string) =>
  defenseCall<GetDefensesResponse__Output>(address, 'user', (client, md, options, callback) =>
    client.getDefenses({}, md, options, callback),
  );

test('defenses switched through one aggregator reach every replica within a second, and a late replica takes them', async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  const start = replicaStarter(ports);
  const replicas: ServiceProcess[] = await Promise.all([start(ports[0] ?? 0, 'a'), start(ports[1] ?? 0, 'b')]);
  try {
    const [a, b] = replicas;
    assert.ok(a && b);
    assert.deepEqual((await getDefenses(b.address)).defenses, allOn, 'the environment gives the start-up values');

    const switched = { ...allOn, circuitBreaker: false, retries: false };
    const { appliedTo } = await setDefenses(a.address, switched);
    assert.ok(appliedTo.includes(a.address) && appliedTo.includes(b.address), appliedTo.join(', '));
    await waitFor(
      'replica B to run the new switches',
      async () => {
        const held = await getDefenses(b.address);
        return held.defenses?.circuitBreaker === false && !held.defenses.retries ? true : undefined;
      },
      1000,
    );
    assert.ok(b.metricsPort !== undefined);
    assert.equal(await scrapeMetric(b.metricsPort, 'aggregator_defense_enabled', { defense: 'circuit_breaker' }), 0);
    assert.equal(await scrapeMetric(b.metricsPort, 'aggregator_defense_enabled', { defense: 'timeouts' }), 1);

    const late = await start(ports[2] ?? 0, 'c');
    replicas.push(late);
    const adopted = await getDefenses(late.address);
    assert.deepEqual(adopted.defenses, switched, 'the late replica took the switches before it reported SERVING');
    assert.equal(adopted.updateOrigin, a.address);

    await assert.rejects(setDefenses(a.address, allOn, 'user'), { code: grpc.status.PERMISSION_DENIED });
  } finally {
    await Promise.all(replicas.map((replica) => replica.stop()));
  }
});

test('fallback switched off at run time turns degraded answers into UNAVAILABLE, and back', async () => {
  const system = await startLocalSystem();
  try {
    const user = await createUser(system, 'Niklaus Wirth', 'niklaus@example.com');
    const authorization = await bearer();
    await setFault(system, { abort: { grpcCode: grpc.status.UNAVAILABLE, percentage: 100 } });
    const degraded = await getUserHome(system, { userId: user.id }, { authorization });
    assert.equal(degraded.response.degraded, true);

    await setDefenses(system.aggregator.address, { ...allOn, fallback: false });
    await assert.rejects(getUserHome(system, { userId: user.id }, { authorization }), {
      code: grpc.status.UNAVAILABLE,
    });

    await setDefenses(system.aggregator.address, allOn);
    assert.equal((await getUserHome(system, { userId: user.id }, { authorization })).response.degraded, true);
    await clearFault(system);
  } finally {
    await system.stop();
  }
});

test('a defense switch a replica refuses because it holds newer switches is ABORTED, and every replica ends on the newer ones', async () => {
  const ports = [await freePort(), await freePort()];
  const start = replicaStarter(ports);
  const [a, b] = await Promise.all([start(ports[0] ?? 0, 'a'), start(ports[1] ?? 0, 'b')]);
  const replicas = [a, b];
  try {
    // B alone holds switches from 20 s ahead: made on a replica whose clock runs ahead, and missed by A.
    const newerAt = Date.now() + 20_000;
    const newer = { ...allOn, bulkhead: false };
    const metadata = new grpc.Metadata();
    metadata.set(
      'authorization',
      `Bearer ${await mintToken({ key: secretKey(testSecret), subject: 'replica:test', role: 'admin', ttlSeconds: 60, audience: 'defenses-replicas' })}`,
    );
    metadata.set('replication-origin', 'replica-ahead');
    metadata.set('replication-at-ms', String(newerAt));
    const client = new protos.demo.aggregator.v1.DefenseService(b.address, grpc.credentials.createInsecure());
    try {
      await unaryCall((md, options, callback) => client.setDefenses({ defenses: newer }, md, options, callback), {
        deadline: new Date(Date.now() + 5000),
        metadata,
      });
    } finally {
      client.close();
    }

    const newerText = `made at ${new Date(newerAt).toISOString()} through replica-ahead`;
    await assert.rejects(setDefenses(a.address, { ...allOn, fallback: false }), {
      code: grpc.status.ABORTED,
      details:
        `the change did not take on every replica: taken by ${a.address}; refused by ${b.address} (it holds a newer change, ${newerText}). ` +
        `The newer change (${newerText}) stands in its place on ${a.address}, ${b.address}: read it, then make the change again if it is still wanted.`,
    });
    for (const replica of replicas) {
      const held = await getDefenses(replica.address);
      assert.deepEqual(held.defenses, newer, replica.address);
      assert.equal(held.updateOrigin, 'replica-ahead', replica.address);
    }
    // A runs what it adopted, not just reports it.
    assert.ok(a.metricsPort !== undefined);
    assert.equal(await scrapeMetric(a.metricsPort, 'aggregator_defense_enabled', { defense: 'bulkhead' }), 0);
    assert.equal(await scrapeMetric(a.metricsPort, 'aggregator_defense_enabled', { defense: 'fallback' }), 1);
    const again = await setDefenses(a.address, { ...allOn, fallback: false });
    assert.deepEqual([...again.appliedTo].sort(), [a.address, b.address].sort(), 'made again, it takes everywhere');
  } finally {
    await Promise.all(replicas.map((replica) => replica.stop()));
  }
});
