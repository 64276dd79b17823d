import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@demo/testkit/wait';
import { OpenLoop, type DueCall } from '../src/open-loop.js';

test('call i is due at start + i / rate, goes out no earlier, and the loop stops after total', async () => {
  const calls: (DueCall & { sentAt: number })[] = [];
  const before = performance.now();
  const loop = new OpenLoop({
    rate: 200,
    total: 20,
    send: async (call) => {
      calls.push({ ...call, sentAt: performance.now() });
    },
  });
  await loop.finished();
  assert.deepEqual(
    calls.map((call) => call.index),
    [...Array(20).keys()],
  );
  const first = calls[0]?.dueAt ?? Number.NaN;
  assert.ok(first >= before);
  for (const call of calls) {
    assert.ok(
      Math.abs(call.dueAt - (first + call.index * 5)) < 1e-6,
      `call ${call.index} due 5 ms after the one before`,
    );
    assert.ok(call.sentAt >= call.dueAt, `call ${call.index} went out before it was due`);
  }
  assert.deepEqual(loop.counts, { rate: 0, sent: 20, skipped: 0, inFlight: 0 });
});

test('calls go out while earlier ones hang; past maxInFlight they are skipped, not queued, and finished waits for the rest', async () => {
  const answers: (() => void)[] = [];
  const loop = new OpenLoop({
    rate: 500,
    total: 10,
    maxInFlight: 3,
    send: () => new Promise<void>((resolve) => answers.push(resolve)),
  });
  let finished = false;
  const done = loop.finished().then(() => (finished = true));
  await waitFor('ten calls due', () => (loop.counts.sent + loop.counts.skipped === 10 ? true : undefined), 5000, 5);
  assert.deepEqual(loop.counts, { rate: 0, sent: 3, skipped: 7, inFlight: 3 });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(finished, false, 'finished before the calls in flight answered');
  for (const answer of answers) answer();
  await done;
  assert.equal(loop.counts.inFlight, 0);
});

test('an abort stops the schedule; calls sent already still finish', async () => {
  const stopping = new AbortController();
  let answered = 0;
  const loop = new OpenLoop({
    rate: 1000,
    signal: stopping.signal,
    send: async ({ index }) => {
      if (index === 4) stopping.abort();
      await new Promise((resolve) => setTimeout(resolve, 20));
      answered += 1;
    },
  });
  await loop.finished();
  assert.equal(loop.counts.sent, 5);
  assert.equal(answered, 5);
});

test('a rate change restarts the schedule from now, and rate 0 pauses without ending the loop', async () => {
  const calls: DueCall[] = [];
  const loop = new OpenLoop({ rate: 0, send: async (call) => void calls.push(call) });
  assert.equal(loop.counts.rate, 0);
  const changed = performance.now();
  loop.setRate(100);
  await waitFor('three calls', () => (calls.length >= 3 ? true : undefined), 5000, 5);
  loop.setRate(0);
  const [first] = calls;
  assert.ok(first && first.index === 0 && first.dueAt >= changed, 'the first call is due at the change, not before');
  loop.setRate(1000);
  const count = calls.length;
  await waitFor('two more calls', () => (calls.length >= count + 2 ? true : undefined), 5000, 5);
  assert.equal(calls[count]?.index, count, 'indexes go on across rate changes');
  loop.stop();
  await loop.finished();
});

test('a loop given an aborted signal, or no calls, sends nothing and is finished', async () => {
  let sent = 0;
  const send = async () => void (sent += 1);
  await new OpenLoop({ rate: 100, signal: AbortSignal.abort(), send }).finished();
  await new OpenLoop({ rate: 100, total: 0, send }).finished();
  assert.equal(sent, 0);
});
