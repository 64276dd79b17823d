import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, recommendationLimit } from '@demo/platform';
import { loadCatalog } from '../src/catalog.js';
import { Recommender } from '../src/recommender.js';

const recommender = new Recommender(await loadCatalog());

test('the shipped catalog holds a few hundred products', () => {
  assert.ok(recommender.size >= 200, `only ${recommender.size} products`);
});

test('recommendations are the same for the same user every time, and differ between users', () => {
  const first = recommender.recommend('42', { limit: 10 });
  assert.deepEqual(recommender.recommend('42', { limit: 10 }), first);
  assert.notDeepEqual(recommender.recommend('43', { limit: 10 }), first);
  assert.equal(first.length, 10);
  const scores = first.map((r) => r.score);
  assert.deepEqual(
    scores,
    [...scores].sort((a, b) => b - a),
    'best first',
  );
});

test('limit 0 means the default and anything outside 0..50 is refused', () => {
  assert.equal(recommender.recommend('1', { limit: 0 }).length, recommendationLimit.default);
  assert.equal(recommender.recommend('1', { limit: recommendationLimit.max }).length, recommendationLimit.max);
  assert.throws(() => recommender.recommend('1', { limit: -1 }), InvalidArgumentError);
  assert.throws(() => recommender.recommend('1', { limit: recommendationLimit.max + 1 }), InvalidArgumentError);
});

test('a user id that is not a positive integer is refused', () => {
  for (const id of ['0', '-3', 'abc', '']) {
    assert.throws(() => recommender.recommend(id, { limit: 5 }), InvalidArgumentError, id);
  }
});

test('viewed products drop out and lift their category', () => {
  const before = recommender.recommend('7', { limit: 10 });
  const viewed = ['kit-001', 'kit-002', 'kit-003'];
  const after = recommender.recommend('7', { limit: 10, viewed });
  assert.ok(after.every((r) => !viewed.includes(r.productId)));
  const kitchenShare = (list: typeof before) => list.filter((r) => r.productId.startsWith('kit-')).length;
  assert.ok(kitchenShare(after) > kitchenShare(before), 'more kitchen products after viewing kitchen products');
});
