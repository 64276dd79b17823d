import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runToExit } from '@demo/testkit/processes';
import { serviceEntry } from '@demo/testkit/entrypoints';

/** Starts a service with `env` and returns how it ended: code and stderr. */
const runWith = (entry: string, env: Record<string, string>) =>
  runToExit(entry, { env: { GRPC_PORT: '0', METRICS_PORT: '0', ...env }, timeoutMs: 10_000 });

const secret = { JWT_SECRET: 'configuration-test-secret-0123456789abcdef' };
const cases: { service: keyof typeof serviceEntry; env: Record<string, string>; variable: string }[] = [
  { service: 'user', env: { GRPC_PORT: 'fifty' }, variable: 'GRPC_PORT' },
  { service: 'user', env: { REDIS_URL: 'localhost:6379' }, variable: 'REDIS_URL' },
  { service: 'recommendation', env: { ...secret, METRICS_PORT: '70000' }, variable: 'METRICS_PORT' },
  { service: 'recommendation', env: { ...secret, LOG_LEVEL: 'loud' }, variable: 'LOG_LEVEL' },
  { service: 'recommendation', env: {}, variable: 'JWT_SECRET' },
  { service: 'recommendation', env: { ...secret, FAULT_ABORT_CODE: 'BROKEN' }, variable: 'FAULT_ABORT_CODE' },
  { service: 'recommendation', env: { ...secret, FAULT_DELAY_PERCENT: '101' }, variable: 'FAULT_DELAY_PERCENT' },
  { service: 'recommendation', env: { ...secret, FAULT_PEERS_TARGET: 'peers' }, variable: 'FAULT_PEERS_TARGET' },
  { service: 'aggregator', env: {}, variable: 'JWT_SECRET' },
  { service: 'aggregator', env: { JWT_SECRET: 'short' }, variable: 'JWT_SECRET' },
  { service: 'aggregator', env: { ...secret, USER_TARGET: 'http://user' }, variable: 'USER_TARGET' },
  { service: 'aggregator', env: { ...secret, RECOMMENDATION_TIMEOUT_MS: '-5' }, variable: 'RECOMMENDATION_TIMEOUT_MS' },
  { service: 'aggregator', env: { ...secret, DEFENSE_PEERS_TARGET: 'peers' }, variable: 'DEFENSE_PEERS_TARGET' },
  { service: 'console', env: {}, variable: 'JWT_SECRET' },
  { service: 'console', env: { ...secret, HTTP_PORT: 'eighty' }, variable: 'HTTP_PORT' },
  {
    service: 'console',
    env: { ...secret, AGGREGATOR_METRICS_TARGET: 'http://x' },
    variable: 'AGGREGATOR_METRICS_TARGET',
  },
  { service: 'console', env: { ...secret, LOAD_USER_IDS: 'ada' }, variable: 'LOAD_USER_IDS' },
  { service: 'console', env: { ...secret, JAEGER_UI_URL: 'jaeger' }, variable: 'JAEGER_UI_URL' },
  { service: 'aggregator', env: { ...secret, ADMISSION_MAX_IN_FLIGHT: '0' }, variable: 'ADMISSION_MAX_IN_FLIGHT' },
];

for (const { service, env, variable } of cases) {
  const shown = Object.entries(env)
    .filter(([key]) => key !== 'JWT_SECRET' || variable === 'JWT_SECRET')
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  test(`${service} with ${shown || 'no JWT_SECRET'} stops at start with one line naming ${variable}`, async () => {
    const { code, stderr } = await runWith(serviceEntry[service], env);
    assert.equal(code, 78, `exit code (stderr: ${stderr})`);
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${stderr}`);
    assert.match(lines[0] ?? '', new RegExp(`^invalid configuration: ${variable}: `));
  });
}
