import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochMs, latenciesFromSchedule } from '../src/bench/ghz.js';

test("ghz's timestamps keep what is below a millisecond, in any zone", () => {
  const second = Date.parse('2026-11-21T10:00:00Z');
  assert.ok(Math.abs(epochMs('2026-11-21T10:00:00.123456789Z') - (second + 123.456789)) < 1e-3);
  assert.equal(epochMs('2026-11-21T11:00:00+01:00'), second);
});

test('latency counts from when a call was due, so a call sent late has waited too', () => {
  // 1000 calls/s: one due every ms. The third went out 1 ms late, the fourth 1.8 ms; each took 0.5 ms.
  const sent = [0.2, 1.2, 3.2, 5.0].map((beginMs) => ({ beginMs: 1000 + beginMs, endMs: 1000 + beginMs + 0.5 }));
  // ghz lists calls as they end, not as they went out.
  const latencies = latenciesFromSchedule(sent.toReversed(), 1000);
  assert.deepEqual(
    latencies.map((ms) => Number(ms.toFixed(6))),
    [0.5, 0.5, 1.5, 2.3],
  );
});

test('with no call sent late, the latency from the schedule is the latency', () => {
  const calls = Array.from({ length: 5 }, (_, i) => ({ beginMs: 10 + i * 4, endMs: 10 + i * 4 + 2 }));
  assert.deepEqual(
    latenciesFromSchedule(calls, 250).map((ms) => Number(ms.toFixed(6))),
    [2, 2, 2, 2, 2],
  );
});
