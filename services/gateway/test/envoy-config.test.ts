import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bareEnvoyConfig, envoyConfig, type GatewayConfigOptions } from '../src/index.js';
import { startGateway, validateConfig } from '@demo/testkit/envoy-process';

const options: GatewayConfigOptions = {
  listen: { host: '127.0.0.1', port: 8081 },
  admin: { host: '127.0.0.1', port: 9901 },
  upstreams: {
    aggregator: ['127.0.0.1:50051'],
    user: ['127.0.0.1:50052'],
    recommendation: ['127.0.0.1:50053', '127.0.0.1:50054'],
  },
  jwtSecret: 'validate-test-secret-0123456789abcdef0123456789',
  corsOrigins: ['http://127.0.0.1:8080'],
  tracing: { collector: { host: '127.0.0.1', port: 4317 }, serviceName: 'gateway', ratio: 0.1, parentBased: true },
  metrics: { host: '127.0.0.1', port: 9469 },
};

test('Envoy accepts the configuration the generator writes (envoy --mode validate), descriptor set included', () => {
  const result = validateConfig(envoyConfig(options));
  assert.ok(result.ok, result.output);
  // Without CORS, tracing and the metrics listener too.
  const bareResult = validateConfig(
    envoyConfig({ ...options, corsOrigins: [], tracing: undefined, metrics: undefined }),
  );
  assert.ok(bareResult.ok, bareResult.output);
});

test("the bench's bare Envoy: accepted, and nothing on its path but the gRPC-Web filter and the router", () => {
  const config = bareEnvoyConfig({ listen: options.listen, admin: options.admin, aggregator: '127.0.0.1:50051' });
  const result = validateConfig(config);
  assert.ok(result.ok, result.output);
  const filters = [...JSON.stringify(config).matchAll(/"name":"(envoy\.filters\.[\w.]+)"/g)].map((match) => match[1]);
  assert.deepEqual(filters, [
    'envoy.filters.network.http_connection_manager',
    'envoy.filters.http.grpc_web',
    'envoy.filters.http.router',
  ]);
});

test('the validation reads the descriptor set: a service it does not hold is refused', () => {
  const config = envoyConfig(options);
  const text = JSON.stringify(config).replace('"demo.fault.v1.FaultService"', '"demo.nowhere.v1.NoService"');
  const result = validateConfig(JSON.parse(text) as object);
  assert.equal(result.ok, false);
  assert.match(result.output, /Could not find 'demo\.nowhere\.v1\.NoService' in the proto descriptor/);
});

test('starting the gateway without Envoy installed fails at once, saying what installs it', async () => {
  await assert.rejects(startGateway(options, '/nonexistent/envoy'), /not installed .*make install/);
});
