import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError, NotFoundError } from '@demo/platform';
import { emailKey, storedUserId, validateNewUser, validateNewUsers } from '../src/users.js';

describe('validating a new user', () => {
  test('trims the name and the email', () => {
    assert.deepEqual(validateNewUser({ name: '  Ada Lovelace ', email: ' Ada@Example.com ' }), {
      name: 'Ada Lovelace',
      email: 'Ada@Example.com',
    });
  });

  test('rejects a name that is empty after trimming', () => {
    assert.throws(() => validateNewUser({ name: '   ', email: 'a@example.com' }), InvalidArgumentError);
  });

  test('accepts a 100-character name and rejects a 101-character one', () => {
    assert.equal(validateNewUser({ name: 'n'.repeat(100), email: 'a@example.com' }).name.length, 100);
    assert.throws(() => validateNewUser({ name: 'n'.repeat(101), email: 'a@example.com' }), /at most 100/);
  });

  test('accepts a 254-character email and rejects a 255-character one', () => {
    const domain = '@example.com';
    assert.ok(validateNewUser({ name: 'A', email: 'a'.repeat(254 - domain.length) + domain }));
    assert.throws(() => validateNewUser({ name: 'A', email: 'a'.repeat(255 - domain.length) + domain }), /at most 254/);
  });

  test('rejects malformed emails', () => {
    for (const email of ['', 'plain', 'a@b', '@example.com', 'a@@example.com', 'a b@example.com', 'a@example.']) {
      assert.throws(() => validateNewUser({ name: 'A', email }), InvalidArgumentError, email);
    }
  });

  test('rejects names holding control characters or bidirectional overrides, naming the character', () => {
    const names = {
      'Ada\u0000': 'U+0000 at position 4',
      'Ada\nLovelace': 'U+000A at position 4',
      'evil\u202Egnp.exe': 'U+202E at position 5',
      '\u202AAda': 'U+202A at position 1',
      'Ada \u2066x\u2069': 'U+2066 at position 5',
      '\u{1F600}\u2067': 'U+2067 at position 2',
    };
    for (const [name, where] of Object.entries(names)) {
      assert.throws(
        () => validateNewUser({ name, email: 'a@example.com' }),
        (error: Error) =>
          error instanceof InvalidArgumentError &&
          error.message === `name must not contain control characters or bidirectional overrides: ${where}`,
        JSON.stringify(name),
      );
    }
  });

  test('accepts names in any script, with the direction marks mixed scripts need', () => {
    for (const name of ['Ada Lovelace', 'עדה לאבלייס', 'Ada \u200Fעדה\u200E', '李小龍', 'Zoë O’Brien']) {
      assert.equal(validateNewUser({ name, email: 'a@example.com' }).name, name);
    }
  });

  test('rejects emails holding control or invisible formatting characters, without echoing them', () => {
    const emails = [
      'ada\u0000@example.com',
      'ada@exa\u007Fmple.com',
      'ada\u202E@example.com',
      'ada@example.com\u2066',
      'a\u200Bda@example.com',
      'ada\uFEFF@example.com',
      'ada\u200E@example.com',
    ];
    for (const email of emails) {
      assert.throws(
        () => validateNewUser({ name: 'A', email }),
        (error: Error) =>
          error instanceof InvalidArgumentError &&
          /^email must not contain control or invisible formatting characters: U\+[0-9A-F]{4} at position \d+$/.test(
            error.message,
          ),
        JSON.stringify(email),
      );
    }
  });

  test('names the position of the bad entry in a batch', () => {
    assert.throws(
      () =>
        validateNewUsers([
          { name: 'A', email: 'a@example.com' },
          { name: '', email: 'b@example.com' },
        ]),
      /user 2: name must not be empty/,
    );
  });

  test('compares emails case-insensitively', () => {
    assert.equal(emailKey('Ada@Example.COM'), emailKey('ada@example.com'));
  });
});

describe('a user id as the store keeps it', () => {
  test('reads a positive decimal id', () => {
    assert.equal(storedUserId('42'), 42);
  });

  test('rejects what is not a positive int64 as an invalid argument, by the platform rule every service uses', () => {
    for (const id of ['0', '-1', '-9223372036854775808', '', 'abc', '9223372036854775808', '1e3', ' 1']) {
      assert.throws(() => storedUserId(id), InvalidArgumentError, id);
    }
  });

  test('treats a valid id beyond what the store can assign as a user that does not exist', () => {
    assert.throws(() => storedUserId('9223372036854775807'), NotFoundError);
  });
});
