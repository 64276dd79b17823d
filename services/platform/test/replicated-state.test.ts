import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions, ReplicatedState, startupVersion, type Change } from '../src/replication/replicated-state.js';

test('two changes made in the same millisecond settle on the same one on every replica, whatever order they arrive in', () => {
  const fromA: Change<string> = { value: 'slow', version: { atMs: 1_000, origin: 'replica-a' } };
  const fromB: Change<string> = { value: 'hang', version: { atMs: 1_000, origin: 'replica-b' } };
  const one = new ReplicatedState('none');
  const other = new ReplicatedState('none');
  one.apply(fromA);
  one.apply(fromB);
  other.apply(fromB);
  other.apply(fromA);
  assert.equal(one.current, 'hang');
  assert.equal(other.current, 'hang');
  assert.deepEqual(one.version, other.version);
});

test('a change is taken only when it is newer than the one held, and the same change twice is taken once', () => {
  const state = new ReplicatedState('none');
  const events: string[] = [];
  state.onChange(({ value }) => events.push(value));
  assert.equal(state.apply({ value: 'new', version: { atMs: 2_000, origin: 'a' } }), true);
  assert.equal(state.apply({ value: 'old', version: { atMs: 1_000, origin: 'z' } }), false);
  assert.equal(state.apply({ value: 'new', version: { atMs: 2_000, origin: 'a' } }), false);
  assert.equal(state.current, 'new');
  assert.deepEqual(events, ['new']);
});

test('a change made here is newer than the one held, even when this replica’s clock is behind', () => {
  const state = new ReplicatedState('none');
  state.apply({ value: 'from a fast clock', version: { atMs: 5_000, origin: 'z' } });
  const version = state.nextVersion('a', 4_000);
  assert.ok(compareVersions(version, state.version) > 0);
  assert.ok(
    compareVersions(startupVersion, { atMs: 1, origin: '' }) < 0,
    'the start-up value is older than any change',
  );
});
