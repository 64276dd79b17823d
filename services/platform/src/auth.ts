import { createSecretKey, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';

export type Role = 'user' | 'admin';

export interface Principal {
  subject: string;
  role: Role;
}

/** The admin role may do everything the user role may. */
export function roleSatisfies(held: Role, required: Role): boolean {
  return held === 'admin' || held === required;
}

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** An HS256 key, imported once: jose re-imports a raw byte array on every call. */
export type SecretKey = KeyObject;

export function secretKey(secret: string): SecretKey {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

const algorithm = 'HS256';

/**
 * The longest a token may live, from when it was issued (or from now, when it
 * says nothing about that) to its expiry. A stolen token is good until it
 * expires, so a token that would be good for years (or forever, with no exp)
 * is refused rather than trusted: a day covers a working session, and
 * services mint their own tokens for a minute.
 */
export const maxTokenLifetimeSeconds = 24 * 3600;

/**
 * How far another machine's clock may be ahead of ours: the skew a token's
 * `iat` and a replicated change's version may show. Clocks of machines in one
 * cluster agree within seconds; a minute leaves room for a bad NTP day, and
 * anything further ahead is a wrong clock or a forgery (a token made to
 * outlive its lifetime check).
 */
export const maxClockSkewSeconds = 60;

/** Verifies an HS256 bearer token and returns who it names; throws InvalidTokenError. */
export async function verifyToken(
  token: string,
  key: SecretKey,
  options: { audience?: string; now?: number } = {},
): Promise<Principal> {
  const now = options.now ?? Date.now();
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [algorithm],
      requiredClaims: ['sub', 'exp'],
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      currentDate: new Date(now),
    });
    const nowSeconds = Math.floor(now / 1000);
    if (payload.iat !== undefined && payload.iat > nowSeconds + maxClockSkewSeconds) {
      throw new InvalidTokenError(
        `token issued ${payload.iat - nowSeconds} s in the future (at most ${maxClockSkewSeconds} s of clock skew)`,
      );
    }
    const exp = payload.exp ?? 0;
    if (exp - Math.min(payload.iat ?? nowSeconds, nowSeconds) > maxTokenLifetimeSeconds) {
      throw new InvalidTokenError(`token lives longer than ${maxTokenLifetimeSeconds / 3600} h`);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new InvalidTokenError('token has no subject');
    const role = payload['role'];
    if (role !== 'user' && role !== 'admin') throw new InvalidTokenError('token has no valid role claim');
    return { subject: payload.sub, role };
  } catch (error) {
    if (error instanceof InvalidTokenError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new InvalidTokenError('token expired');
    if (error instanceof joseErrors.JOSEError) throw new InvalidTokenError('invalid token');
    throw error;
  }
}

export async function mintToken(options: {
  key: SecretKey;
  subject: string;
  role: Role;
  ttlSeconds: number;
  /** Narrows who the token is for (the `aud` claim): replicas show their peers one only they mint. */
  audience?: string;
}): Promise<string> {
  const token = new SignJWT({ role: options.role })
    .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
    .setSubject(options.subject);
  if (options.audience !== undefined) token.setAudience(options.audience);
  return token
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds)
    .sign(options.key);
}

/** The header every call to a service carries: `authorization: Bearer <JWT>`. */
export const authorizationHeader = 'authorization';

/** The value of the authorization header for `token`; bearerTokenOf reads it back. */
export function bearerHeader(token: string): string {
  return `Bearer ${token}`;
}

/** The header as an HTTP client (fetch, ghz's metadata) sends it: `{ authorization: 'Bearer <JWT>' }`. */
export function bearerHeaders(token: string): Record<string, string> {
  return { [authorizationHeader]: bearerHeader(token) };
}

/** The token of an `authorization: Bearer <JWT>` header, or undefined. */
export function bearerTokenOf(header: unknown): string | undefined {
  return typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}

/** Who a call's token names (its `sub`), for logs of who changed what; the auth interceptor has checked it. */
export async function subjectOf(metadata: { get(key: string): unknown[] }, key: SecretKey): Promise<string> {
  const token = bearerTokenOf(metadata.get(authorizationHeader)[0]);
  if (token === undefined) return 'anonymous';
  return (await verifyToken(token, key)).subject;
}

/**
 * Remembers tokens already verified, until they expire (at most a minute),
 * so a client that sends the same token on every call pays for one HMAC check
 * a minute instead of one per call. Only valid tokens are kept, and only
 * `capacity` of them, oldest out first.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, { principal: Principal; until: number }>();
  readonly #capacity: number;
  readonly #key: SecretKey;

  constructor(key: SecretKey, capacity = 10_000) {
    this.#key = key;
    this.#capacity = capacity;
  }

  async verify(token: string, now = Date.now()): Promise<Principal> {
    const cached = this.#entries.get(token);
    if (cached && cached.until > now) return cached.principal;
    this.#entries.delete(token);
    const principal = await verifyToken(token, this.#key, { now });
    const expires = decodeExpiry(token);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { principal, until: Math.min(expires, now + 60_000) });
    return principal;
  }
}

/** exp in ms, from a token jose has just verified. */
function decodeExpiry(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
  return (payload.exp ?? 0) * 1000;
}
