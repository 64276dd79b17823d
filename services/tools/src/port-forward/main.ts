// `make port-forward`: the cluster on this machine's ports, the same ones
// `make run` uses, so the README's grpcurl commands, `make token`, `make
// load` and `make fault-on` (FAULT_TARGET 127.0.0.1:50053) work against the
// cluster unchanged; and the UIs. A local port that is taken already is left
// alone: `make dev` (skaffold) forwards the aggregator and the UIs itself.
// Ctrl-C stops every forward.
import { once } from 'node:events';
import { createServer } from 'node:net';
import { portForward, type PortForward } from '../cluster/port-forward.js';
import { clusterForwards } from './forwards.js';

const namespace = process.env['NAMESPACE'] || 'grpc-demo';

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

// The forwards start together; what each came to is told in the list's order.
const outcomes = await Promise.all(
  clusterForwards.map(async (forward): Promise<{ line: string; started?: PortForward }> => {
    const local = `127.0.0.1:${forward.localPort}`.padEnd(16);
    if (!(await isFree(forward.localPort))) {
      return { line: `${local} ${forward.what}: the port is taken (by make dev?), left as it is` };
    }
    try {
      // kubectl's "Handling connection" lines would drown everything else; its errors still show.
      const started = await portForward('kubectl', namespace, `svc/${forward.service}`, forward.port, {
        localPort: forward.localPort,
        onStderr: (text) => process.stderr.write(text),
      });
      return { line: `${local} ${forward.what} (svc/${forward.service}:${forward.port})`, started };
    } catch (error) {
      process.exitCode = 1;
      return { line: `${local} ${forward.what}: ${(error as Error).message}` };
    }
  }),
);
for (const { line } of outcomes) console.log(line);
const forwards = outcomes.flatMap(({ started }) => (started ? [started] : []));
console.log(`
For make token and make fault-on, the cluster's JWT secret:
  export JWT_SECRET=$(kubectl -n ${namespace} get secret grpc-demo-jwt -o jsonpath='{.data.JWT_SECRET}' | base64 -d)
Ctrl-C stops the forwards.`);

const stop = () => {
  for (const forward of forwards) void forward.close();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
await Promise.all(forwards.map((forward) => forward.closed));
