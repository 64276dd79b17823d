// What a user is and what a valid new user looks like. Plain TypeScript: the
// stores and the gRPC handlers both build on it, and unit tests call it directly.
import { createHash } from 'node:crypto';
import { InvalidArgumentError, NotFoundError, OutOfRangeError, parseUserId } from '@demo/platform';

export interface User {
  /** Assigned by the store, counting up from 1; int64 on the wire, a safe integer here. */
  id: number;
  name: string;
  email: string;
  status: 'USER_STATUS_ACTIVE';
  createTime: Date;
}

/** A user to create, already validated and normalized (see validateNewUser). */
export interface NewUser {
  name: string;
  email: string;
}

export const maxNameLength = 100;
/** The longest address SMTP can carry (RFC 5321: a 256-octet path minus the angle brackets). */
export const maxEmailLength = 254;
/** Caps what one BatchCreateUsers call holds in memory and sends to the store in one script. */
export const maxBatchSize = 1000;

// Deliberately simple: one @, no spaces, a dot in the domain. Full RFC 5322
// parsing accepts addresses nobody can deliver to; the mail server is the real check.
const emailPattern = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/**
 * Characters a name may not hold: control characters (NUL, newlines, escape
 * sequences) and the bidirectional embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069) that make a name display as something else
 * wherever it is shown ("Trojan Source"). The marks U+200E/U+200F stay: names
 * mixing scripts need them, and they cannot reorder other text.
 */
const forbiddenInName = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
/**
 * An address is also refused any invisible format character (bidirectional
 * marks, zero-width spaces and joiners, U+FEFF): no mail system needs one, and
 * each can make two addresses look alike.
 */
const forbiddenInEmail = /[\p{Cc}\p{Cf}]/u;

/** Trims and checks a requested user; throws InvalidArgumentError naming the bad field. */
export function validateNewUser(input: { name: string; email: string }): NewUser {
  const name = input.name.trim();
  const email = input.email.trim();
  if (name.length === 0) throw new InvalidArgumentError('name must not be empty');
  if (name.length > maxNameLength) throw new InvalidArgumentError(`name must be at most ${maxNameLength} characters`);
  checkCharacters('name', name, forbiddenInName, 'control characters or bidirectional overrides');
  if (email.length === 0) throw new InvalidArgumentError('email must not be empty');
  if (email.length > maxEmailLength) {
    throw new InvalidArgumentError(`email must be at most ${maxEmailLength} characters`);
  }
  checkCharacters('email', email, forbiddenInEmail, 'control or invisible formatting characters');
  if (!emailPattern.test(email)) throw new InvalidArgumentError(`email is not a valid address: ${email}`);
  return { name, email };
}

/** Names the first forbidden character by its code point: echoing it back would carry it into the error. */
function checkCharacters(field: string, value: string, forbidden: RegExp, what: string): void {
  const found = forbidden.exec(value);
  if (!found) return;
  const codePoint = (found[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  const position = Array.from(value.slice(0, found.index)).length + 1; // in code points, as a person counts them
  throw new InvalidArgumentError(`${field} must not contain ${what}: U+${codePoint} at position ${position}`);
}

/** Validates every user of a batch, naming the position of the first bad one. */
export function validateNewUsers(inputs: readonly { name: string; email: string }[]): NewUser[] {
  return inputs.map((input, index) => {
    try {
      return validateNewUser(input);
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(`user ${index + 1}: ${error.message}`);
      throw error;
    }
  });
}

/**
 * The key emails are unique under. Addresses are kept as given but compared
 * case-insensitively, so Ada@Example.com and ada@example.com are one user.
 */
export function emailKey(email: string): string {
  return email.toLowerCase();
}

/**
 * The id a GetUser names, as the store keeps it. Which ids are valid is the
 * platform's one rule (parseUserId: a positive int64, else INVALID_ARGUMENT);
 * a valid id beyond what the store's counter can reach (a safe integer) is
 * simply a user that does not exist.
 */
export function storedUserId(id: string): number {
  const value = parseUserId(id, 'id');
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new NotFoundError(`user ${id} not found`);
  return Number(value);
}

/**
 * The resume point of a WatchUsers: undefined for 0 (none), else the id of
 * the last user the client received, by the same rule as any user id; one
 * beyond what the store's counter can reach is past the newest user (the
 * service also refuses one past the newest user it holds).
 */
export function parseResumeAfterId(id: string): number | undefined {
  if (id === '0') return undefined;
  const value = parseUserId(id, 'resume_after_id');
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new OutOfRangeError(resumePastNewest(id));
  return Number(value);
}

export function resumePastNewest(id: string | number): string {
  return `resume_after_id ${id} is past the newest user: resume after the id of a user received, or from 0`;
}

/**
 * How long a create's request_id is remembered: a day, far longer than any
 * client retries, short enough that the records do not pile up.
 */
export const requestIdTtlSeconds = 24 * 3600;
export const maxRequestIdLength = 64;

/** '' (none) or a request_id of visible ASCII characters; InvalidArgumentError otherwise. */
export function validateRequestId(requestId: string): string | undefined {
  if (requestId === '') return undefined;
  if (requestId.length > maxRequestIdLength || !/^[\x21-\x7e]+$/.test(requestId)) {
    throw new InvalidArgumentError(
      `request_id must be 1 to ${maxRequestIdLength} visible ASCII characters, such as a UUID`,
    );
  }
  return requestId;
}

/**
 * What a create asked for, as a digest: a retry under the same request_id
 * must ask for the same users (names and emails, compared as the store compares them).
 */
export function createFingerprint(users: readonly NewUser[]): string {
  const hash = createHash('sha256');
  for (const { name, email } of users) hash.update(JSON.stringify([name, emailKey(email)]));
  return hash.digest('hex');
}
