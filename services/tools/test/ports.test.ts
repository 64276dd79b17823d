// Ports for processes a test starts: never one port for two of them, and a
// process that cannot bind its port fails at start instead of letting the
// test talk to whoever holds that port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, freePorts } from '@demo/testkit/ports';
import { startService } from '@demo/testkit/processes';
import { serviceEntry } from '@demo/testkit/entrypoints';
import { startLocalSystem } from '@demo/testkit/local-system';

test('freePort never hands out the same port twice: 200 calls, 200 ports', async () => {
  const ports: number[] = [];
  for (let i = 0; i < 200; i += 1) ports.push(await freePort());
  assert.equal(new Set(ports).size, 200, `distinct ports in ${ports.join(', ')}`);
  const more = await freePorts(50);
  assert.equal(new Set([...ports, ...more]).size, 250, 'freePorts gives none handed out before either');
});

test('a service given a port another service holds fails at start, naming EADDRINUSE', async () => {
  const holder = await startService({ name: 'holder', entry: serviceEntry.user });
  try {
    await assert.rejects(
      startService({ name: 'late', entry: serviceEntry.user, env: { GRPC_PORT: String(holder.port) } }),
      (error: Error) => {
        assert.match(error.message, /late exited: .*EADDRINUSE/s);
        return true;
      },
    );
  } finally {
    await holder.stop();
  }
});

test('two recommendation replicas given one port fail the local system at start', async () => {
  const [port = 0, metricsA = 0, metricsB = 0] = await freePorts(3);
  await assert.rejects(
    startLocalSystem({
      jwtSecret: 'a-secret-of-at-least-32-characters-for-the-test',
      ports: {
        'recommendation-a': { grpc: port, metrics: metricsA },
        'recommendation-b': { grpc: port, metrics: metricsB },
      },
    }),
    /recommendation-[ab] exited: .*EADDRINUSE/s,
  );
});
