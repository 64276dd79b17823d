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

/** Which role each protected method needs, by full path. Methods not named need no token. */
export type AuthPolicy = Readonly<Record<string, Role>>;

/**
 * Checks `authorization: Bearer <JWT>` before the handler sees the call.
 * Missing or bad token: UNAUTHENTICATED; valid but not allowed: PERMISSION_DENIED.
 */
export function authInterceptor(options: { policy: AuthPolicy; key: SecretKey; logger: Logger }): ServerInterceptor {
  const tokens = new VerifiedTokenCache(options.key);
  return (definition, call) => {
    const required = options.policy[definition.path];
    if (required === undefined) return new ServerInterceptingCall(call);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const token = bearerTokenOf(metadata.get('authorization')[0]);
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
