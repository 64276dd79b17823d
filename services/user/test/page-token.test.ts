import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from '@demo/platform';
import { decodePageToken, encodePageToken, resolvePageSize } from '../src/page-token.js';

describe('page size', () => {
  test('0 means the default of 20', () => {
    assert.equal(resolvePageSize(0), 20);
  });

  test('1 to 100 are taken as asked', () => {
    assert.equal(resolvePageSize(1), 1);
    assert.equal(resolvePageSize(100), 100);
  });

  test('negative or above 100 is an invalid argument', () => {
    assert.throws(() => resolvePageSize(-1), InvalidArgumentError);
    assert.throws(() => resolvePageSize(101), InvalidArgumentError);
  });
});

describe('page token', () => {
  test('an empty token starts at the beginning', () => {
    assert.equal(decodePageToken(''), 0);
  });

  test('a token decodes to the id it was made from', () => {
    assert.equal(decodePageToken(encodePageToken(1234)), 1234);
  });

  test('is opaque: URL-safe text, not the bare id', () => {
    const token = encodePageToken(7);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.notEqual(token, '7');
  });

  test('garbage, another version or a negative id is an invalid argument', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const token of [
      'not a token',
      '%%%',
      encode('text'),
      encode({ v: 2, after: 5 }),
      encode({ v: 1, after: -5 }),
      encode({ v: 1, after: 1.5 }),
      encode({ v: 1 }),
    ]) {
      assert.throws(() => decodePageToken(token), InvalidArgumentError, token);
    }
  });
});
