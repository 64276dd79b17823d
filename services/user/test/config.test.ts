import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseConfig } from '@demo/platform';
import { configSchema } from '../src/config.js';

describe('user service configuration', () => {
  test('defaults to gRPC on 50052, metrics on 9465 and the in-memory store', () => {
    const config = parseConfig(configSchema, {});
    assert.equal(config.GRPC_PORT, 50052);
    assert.equal(config.METRICS_PORT, 9465);
    assert.equal(config.REDIS_URL, undefined);
  });

  test('accepts redis:// and rediss:// URLs', () => {
    assert.equal(parseConfig(configSchema, { REDIS_URL: 'redis://redis:6379' }).REDIS_URL, 'redis://redis:6379');
    assert.equal(
      parseConfig(configSchema, { REDIS_URL: 'rediss://user:secret@redis.example.com:6380/0' }).REDIS_URL,
      'rediss://user:secret@redis.example.com:6380/0',
    );
  });

  test('rejects any other REDIS_URL with one line naming the variable', () => {
    for (const value of ['http://redis:6379', 'redis', 'localhost:6379']) {
      assert.throws(
        () => parseConfig(configSchema, { REDIS_URL: value }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, /^invalid configuration: REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/);
          return true;
        },
      );
    }
  });
});
