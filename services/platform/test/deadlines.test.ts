import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callDeadline } from '../src/deadlines.js';

const now = 1_000_000;

test('without a caller deadline a downstream call gets its own timeout', () => {
  assert.deepEqual(callDeadline({ timeoutMs: 300, callerDeadline: undefined, marginMs: 20, now }), {
    deadline: new Date(now + 300),
    deadlineSetBy: 'own_timeout',
  });
});

test("a caller's tighter deadline, less the margin, wins over the call's own timeout, and says so", () => {
  assert.deepEqual(callDeadline({ timeoutMs: 300, callerDeadline: new Date(now + 100), marginMs: 20, now }), {
    deadline: new Date(now + 80),
    deadlineSetBy: 'caller',
  });
});

test("a caller's looser deadline leaves the call's own timeout in place", () => {
  assert.deepEqual(callDeadline({ timeoutMs: 300, callerDeadline: new Date(now + 10_000), marginMs: 20, now }), {
    deadline: new Date(now + 300),
    deadlineSetBy: 'own_timeout',
  });
});

test('a caller deadline that leaves no more than the margin is spent', () => {
  assert.equal(callDeadline({ timeoutMs: 300, callerDeadline: new Date(now + 20), marginMs: 20, now }), 'spent');
  assert.equal(callDeadline({ timeoutMs: 300, callerDeadline: new Date(now - 5), marginMs: 20, now }), 'spent');
});
