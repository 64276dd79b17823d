import { test } from 'node:test';
import assert from 'node:assert/strict';

test('the tests run on Node.js 24, the runtime the services target', () => {
  assert.equal(process.versions.node.split('.')[0], '24', `running on Node ${process.versions.node}`);
});
