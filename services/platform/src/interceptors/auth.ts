import { status, type Metadata, type StatusObject } from '@grpc/grpc-js';
import {
  authorizationHeader,
  bearerTokenOf,
  InvalidTokenError,
  roleSatisfies,
  VerifiedTokenCache,
  type Role,
  type SecretKey,
} from '../auth.js';
import type { Logger } from '../logger.js';

/**
 * Who may call each method, by full path: a role, or 'public' for no token at
 * all. Deny by default: a server refuses to start while any method it serves
 * is missing here (see GrpcServer.start), so a method added later cannot be
 * served open by an oversight.
 */
export type AuthPolicy = Readonly<Record<string, Role | 'public'>>;

/** Health and reflection answer without a token: probes and grpcurl carry none. */
export const infrastructureAuthPolicy: AuthPolicy = {
  '/grpc.health.v1.Health/Check': 'public',
  '/grpc.health.v1.Health/Watch': 'public',
  '/grpc.health.v1.Health/List': 'public',
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo': 'public',
  '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo': 'public',
};

/** The methods of `paths` that `policy` says nothing about. */
export function methodsWithoutPolicy(policy: AuthPolicy, paths: Iterable<string>): string[] {
  return [...paths].filter((path) => !Object.hasOwn(policy, path));
}

/** Why a call was refused, or undefined when it may go on. */
export type Refusal = Pick<StatusObject, 'code' | 'details'>;

/**
 * Decides whether a call may reach its handler, from its path and the
 * `authorization: Bearer <JWT>` header. Missing or bad token:
 * UNAUTHENTICATED; valid but not allowed: PERMISSION_DENIED. Public methods
 * are decided at once, without a promise; a token seen in the last minute
 * is answered from the cache. `key` may be absent only when every method is
 * public. The server's call pipeline runs it after logging, metrics and
 * tracing have seen the call, so a refusal is logged, counted and traced.
 */
export function authGate(options: {
  policy: AuthPolicy;
  key?: SecretKey | undefined;
  logger: Logger;
}): (path: string, metadata: Metadata) => Refusal | undefined | Promise<Refusal | undefined> {
  const tokens = options.key ? new VerifiedTokenCache(options.key) : undefined;
  return (path, metadata) => {
    const required = Object.hasOwn(options.policy, path) ? options.policy[path] : undefined;
    if (required === 'public') return undefined;
    // start() refuses a policy with gaps, so this is a method grpc-js routed that no policy names.
    if (required === undefined || tokens === undefined) {
      return { code: status.PERMISSION_DENIED, details: `${path} has no auth policy` };
    }
    // Two headers could be read differently by a proxy and by us; refuse rather than pick one.
    const headers = metadata.get(authorizationHeader);
    if (headers.length > 1) return { code: status.UNAUTHENTICATED, details: 'more than one authorization header' };
    const token = bearerTokenOf(headers[0]);
    if (token === undefined) {
      return { code: status.UNAUTHENTICATED, details: 'missing bearer token in the authorization header' };
    }
    return tokens.verify(token).then(
      (principal) =>
        roleSatisfies(principal.role, required)
          ? undefined
          : { code: status.PERMISSION_DENIED, details: `${path} needs the ${required} role` },
      (error: unknown) => {
        if (!(error instanceof InvalidTokenError)) options.logger.error({ err: error }, 'token verification failed');
        return {
          code: status.UNAUTHENTICATED,
          details: error instanceof InvalidTokenError ? error.message : 'invalid token',
        };
      },
    );
  };
}
