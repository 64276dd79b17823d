import type { ServerMethodDefinition } from '@grpc/grpc-js';

export type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';

export interface MethodInfo {
  /** The full path, `/demo.user.v1.UserService/GetUser`. */
  path: string;
  service: string;
  method: string;
  type: GrpcType;
}

/** For a server method definition, or a client call's `method_definition`. */
export function methodInfo(
  definition: Pick<ServerMethodDefinition<unknown, unknown>, 'path' | 'requestStream' | 'responseStream'>,
): MethodInfo {
  const [, service = '', method = ''] = definition.path.split('/');
  const type: GrpcType = definition.requestStream
    ? definition.responseStream
      ? 'bidi_stream'
      : 'client_stream'
    : definition.responseStream
      ? 'server_stream'
      : 'unary';
  return { path: definition.path, service, method, type };
}

/** Health and reflection are infrastructure: quiet in logs, never authenticated, never faulted. */
export function isInfrastructure(path: string): boolean {
  return path.startsWith('/grpc.health.v1.') || path.startsWith('/grpc.reflection.');
}
