// ListUsers paging rules: the page size a request means and the opaque token
// that carries a client from one page to the next.
import { z } from 'zod';
import { InvalidArgumentError } from '@demo/platform';

export const defaultPageSize = 20;
export const maxPageSize = 100;

/** page_size 0 means the default; anything else must be 1..100. */
export function resolvePageSize(requested: number): number {
  if (requested === 0) return defaultPageSize;
  if (!Number.isInteger(requested) || requested < 0 || requested > maxPageSize) {
    throw new InvalidArgumentError(`page_size must be between 0 and ${maxPageSize}, got ${requested}`);
  }
  return requested;
}

/**
 * The token names the last id already returned. Ids only grow, so users
 * created while a client pages land after the pages it has read: paging is
 * stable without server-side cursors. The version field lets the format change
 * later without misreading tokens that clients still hold.
 */
const pageTokenSchema = z.object({
  v: z.literal(1),
  after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

export function encodePageToken(afterId: number): string {
  return Buffer.from(JSON.stringify({ v: 1, after: afterId })).toString('base64url');
}

/** The id to page after: 0 for an empty token (the first page). */
export function decodePageToken(token: string): number {
  if (token === '') return 0;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidArgumentError('page_token is not a token this service issued');
  }
  const parsed = pageTokenSchema.safeParse(decoded);
  if (!parsed.success) throw new InvalidArgumentError('page_token is not a token this service issued');
  return parsed.data.after;
}
