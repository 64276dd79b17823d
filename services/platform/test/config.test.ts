import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConfigError, flag, grpcTarget, parseConfig, serverConfigShape } from '../src/config.js';

const schema = z.object({
  ...serverConfigShape({ grpcPort: 50052, metricsPort: 9465 }),
  TARGET: grpcTarget().default('ipv4:127.0.0.1:1'),
  ENABLED: flag(true),
});

test('defaults give a working local configuration', () => {
  const config = parseConfig(schema, {});
  assert.equal(config.GRPC_HOST, '127.0.0.1');
  assert.equal(config.GRPC_PORT, 50052);
  assert.equal(config.ENABLED, true);
});

test('a bad value is one line naming the variable and the value', () => {
  assert.throws(
    () => parseConfig(schema, { GRPC_PORT: '70000' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message.startsWith('invalid configuration: GRPC_PORT:') &&
      error.message.includes('"70000"') &&
      !error.message.includes('\n'),
  );
});

test('targets must be dns:///, ipv4: lists or host:port', () => {
  for (const good of [
    'dns:///user-headless.demo.svc.cluster.local:50051',
    'ipv4:127.0.0.1:1,127.0.0.1:2',
    'user:50051',
  ]) {
    assert.equal(parseConfig(schema, { TARGET: good }).TARGET, good);
  }
  for (const bad of ['dns:user', 'http://user:50051', 'ipv4:127.0.0.1']) {
    assert.throws(() => parseConfig(schema, { TARGET: bad }), /TARGET/);
  }
});

test('flags accept true/false/1/0 and nothing else', () => {
  assert.equal(parseConfig(schema, { ENABLED: '0' }).ENABLED, false);
  assert.throws(() => parseConfig(schema, { ENABLED: 'yes' }), /ENABLED: expected true or false/);
});

test('an empty value counts as unset and takes the default', () => {
  assert.equal(parseConfig(schema, { GRPC_PORT: '' }).GRPC_PORT, 50052);
});
