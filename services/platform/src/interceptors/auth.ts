import { ServerInterceptingCall, ServerListenerBuilder, status, type ServerInterceptor } from '@grpc/grpc-js';
import {
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

/**
 * Checks `authorization: Bearer <JWT>` before the handler sees the call.
 * Missing or bad token: UNAUTHENTICATED; valid but not allowed: PERMISSION_DENIED.
 * `key` may be absent only when every method is public.
 */
export function authInterceptor(options: { policy: AuthPolicy; key?: SecretKey; logger: Logger }): ServerInterceptor {
  const tokens = options.key ? new VerifiedTokenCache(options.key) : undefined;
  return (definition, call) => {
    const required = Object.hasOwn(options.policy, definition.path) ? options.policy[definition.path] : undefined;
    if (required === 'public') return new ServerInterceptingCall(call);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        // start() refuses a policy with gaps, so this is a method grpc-js routed that no policy names.
        if (required === undefined || tokens === undefined) {
          call.sendStatus({ code: status.PERMISSION_DENIED, details: `${definition.path} has no auth policy` });
          return;
        }
        // Two headers could be read differently by a proxy and by us; refuse
        // rather than pick one.
        const headers = metadata.get('authorization');
        if (headers.length > 1) {
          call.sendStatus({ code: status.UNAUTHENTICATED, details: 'more than one authorization header' });
          return;
        }
        const token = bearerTokenOf(headers[0]);
        if (token === undefined) {
          call.sendStatus({
            code: status.UNAUTHENTICATED,
            details: 'missing bearer token in the authorization header',
          });
          return;
        }
        tokens.verify(token).then(
          (principal) => {
            if (roleSatisfies(principal.role, required)) {
              next(metadata);
            } else {
              call.sendStatus({
                code: status.PERMISSION_DENIED,
                details: `${definition.path} needs the ${required} role`,
              });
            }
          },
          (error: unknown) => {
            if (!(error instanceof InvalidTokenError))
              options.logger.error({ err: error }, 'token verification failed');
            const details = error instanceof InvalidTokenError ? error.message : 'invalid token';
            call.sendStatus({ code: status.UNAUTHENTICATED, details });
          },
        );
      })
      .build();
    return new ServerInterceptingCall(call, { start: (next) => next(listener) });
  };
}
