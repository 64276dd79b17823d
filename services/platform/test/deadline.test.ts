import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downstreamDeadline } from '../src/client.js';

const now = 1_000_000;

test('without a caller deadline a downstream call gets its own timeout', () => {
  assert.equal(
    downstreamDeadline({ timeoutMs: 300, callerDeadline: undefined, marginMs: 20, now }).getTime(),
    now + 300,
  );
});

test("a caller's tighter deadline, less the margin, wins over the call's own timeout", () => {
  const callerDeadline = new Date(now + 100);
  assert.equal(downstreamDeadline({ timeoutMs: 300, callerDeadline, marginMs: 20, now }).getTime(), now + 80);
});

test("a caller's looser deadline leaves the call's own timeout in place", () => {
  const callerDeadline = new Date(now + 10_000);
  assert.equal(downstreamDeadline({ timeoutMs: 300, callerDeadline, marginMs: 20, now }).getTime(), now + 300);
});
