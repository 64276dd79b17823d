import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, eachDefense, parseConfig } from '@demo/platform';
import { configSchema } from '../src/config.js';
import { resilienceSettings } from '../src/resilience/settings.js';

const secret = { JWT_SECRET: 'settings-test-secret-0123456789abcdef' };
const switchesOf = (env: Record<string, string>) =>
  resilienceSettings(parseConfig(configSchema, { ...secret, ...env })).switches;

test('every defense is on by default, and each is switched off alone by its own RESILIENCE_ variable', () => {
  assert.deepEqual(
    switchesOf({}),
    eachDefense(() => true),
  );
  for (const [variable, name] of [
    ['RESILIENCE_TIMEOUTS', 'timeouts'],
    ['RESILIENCE_RETRIES', 'retries'],
    ['RESILIENCE_CIRCUIT_BREAKER', 'circuitBreaker'],
    ['RESILIENCE_BULKHEAD', 'bulkhead'],
    ['RESILIENCE_FALLBACK', 'fallback'],
  ] as const) {
    assert.deepEqual(switchesOf({ [variable]: 'false' }), { ...eachDefense(() => true), [name]: false }, variable);
  }
});

test('RESILIENCE_ENABLED=false switches every defense off, whatever the one per defense says', () => {
  assert.deepEqual(
    switchesOf({ RESILIENCE_ENABLED: 'false', RESILIENCE_BULKHEAD: 'true' }),
    eachDefense(() => false),
  );
});

test('a bad value of a defense variable stops the start, naming it', () => {
  assert.throws(
    () => switchesOf({ RESILIENCE_CIRCUIT_BREAKER: 'maybe' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^invalid configuration: RESILIENCE_CIRCUIT_BREAKER: expected true or false/);
      return true;
    },
  );
});
