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

const algorithm = 'HS256';

/** Verifies an HS256 bearer token and returns who it names; throws InvalidTokenError. */
export async function verifyToken(token: string, key: Uint8Array): Promise<Principal> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [algorithm],
      requiredClaims: ['sub', 'exp'],
    });
    const role = payload['role'];
    if (role !== 'user' && role !== 'admin') throw new InvalidTokenError('token has no valid role claim');
    return { subject: payload.sub ?? '', role };
  } catch (error) {
    if (error instanceof InvalidTokenError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new InvalidTokenError('token expired');
    if (error instanceof joseErrors.JOSEError) throw new InvalidTokenError('invalid token');
    throw error;
  }
}

export async function mintToken(options: {
  key: Uint8Array;
  subject: string;
  role: Role;
  ttlSeconds: number;
}): Promise<string> {
  return new SignJWT({ role: options.role })
    .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds)
    .sign(options.key);
}

export function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}
