// The admission limit as a caller meets it. What it does for the aggregator
// at three times its capacity (goodput, the latency of admitted calls, no
// breaker opened) is a measurement, made by `make bench`
// (services/tools/src/bench/overload.ts) and written to BENCHMARKS.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { scrapeMetric, waitFor } from '@demo/platform/testing';
import { bearer, clearFault, createUser, getUserHome, setFault, startLocalSystem } from './system.js';

test('past its admission limit the aggregator refuses the next call at once with RESOURCE_EXHAUSTED, counts it, and admits calls again once slots free', async () => {
  const limit = 4;
  // A recommendation timeout longer than the callers' deadline, so that the caller's deadline decides how long a call holds.
  const system = await startLocalSystem({ ADMISSION_MAX_IN_FLIGHT: String(limit), RECOMMENDATION_TIMEOUT_MS: '10000' });
  const metric = (name: string, labels: Record<string, string> = {}) =>
    scrapeMetric(system.aggregator.metricsPort ?? 0, name, labels);
  try {
    const userId = (await createUser(system, 'Leslie Lamport', 'leslie@example.com')).id;
    const authorization = await bearer();
    // A hung recommendation service: every admitted call holds its slot until its caller's deadline, 2 s.
    await setFault(system, { delay: { delayMs: 3_600_000, percentage: 100 } });
    let settled = 0;
    const held = Array.from({ length: limit }, () =>
      getUserHome(system, { userId }, { authorization, timeoutMs: 2000 })
        .catch(() => undefined)
        .finally(() => (settled += 1)),
    );
    await waitFor(`${limit} calls admitted and in flight`, async () =>
      (await metric('aggregator_admission_in_flight')) === limit ? true : undefined,
    );

    await assert.rejects(getUserHome(system, { userId }, { authorization }), {
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: `the aggregator is at its limit of ${limit} calls in flight; try again later`,
    });
    assert.equal(settled, 0, 'refused while every admitted call still held its slot: at once, not once one freed');
    assert.equal(
      await metric('grpc_server_handled_total', { grpc_method: 'GetUserHome', grpc_code: 'ResourceExhausted' }),
      1,
      'the shed call is counted as every call is',
    );
    assert.equal(await metric('aggregator_admission_rejections_total'), 1);

    await Promise.all(held);
    await clearFault(system);
    const { response } = await getUserHome(system, { userId }, { authorization });
    assert.equal(response.user?.id, userId, 'with the slots free again, the next call is admitted and answered');
    assert.equal(await metric('aggregator_admission_in_flight'), 0);
  } finally {
    await system.stop();
  }
});
