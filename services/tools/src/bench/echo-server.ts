// The ceiling for `make bench`: a bare grpc-js unary echo server, no
// interceptors, no metrics, no logs; only reflection, so ghz can call it as
// it calls the services.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

const definition = protoLoader.loadSync(fileURLToPath(new URL('../../../bench/echo.proto', import.meta.url)));
const { EchoService } = (
  grpc.loadPackageDefinition(definition) as unknown as {
    bench: { echo: { v1: { EchoService: { service: grpc.ServiceDefinition } } } };
  }
).bench.echo.v1;

const server = new grpc.Server();
server.addService(EchoService.service, {
  Echo: (call: grpc.ServerUnaryCall<{ message: string }, object>, callback: grpc.sendUnaryData<object>) =>
    callback(null, { message: call.request.message }),
});
new ReflectionService(definition).addToServer(server);
const port = await new Promise<number>((resolve, reject) => {
  server.bindAsync(
    `127.0.0.1:${process.env['GRPC_PORT'] ?? '0'}`,
    grpc.ServerCredentials.createInsecure(),
    (error, bound) => (error ? reject(error) : resolve(bound)),
  );
});
process.stdout.write(`${JSON.stringify({ msg: 'serving', address: `127.0.0.1:${port}` })}\n`);
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
