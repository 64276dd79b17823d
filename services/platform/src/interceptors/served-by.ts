import { Metadata, ResponderBuilder, ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';

export const servedByHeader = 'served-by';

/**
 * Names the replica in every response's headers (and trailers, for answers
 * that carry no headers), so a caller can see which pod round_robin chose.
 */
export function servedByInterceptor(replica: () => string): ServerInterceptor {
  return (_definition, call) => {
    let headersSent = false;
    const responder = new ResponderBuilder()
      .withSendMetadata((metadata, next) => {
        headersSent = true;
        metadata.set(servedByHeader, replica());
        next(metadata);
      })
      .withSendStatus((callStatus, next) => {
        if (headersSent) {
          next(callStatus);
          return;
        }
        const metadata = callStatus.metadata ?? new Metadata();
        metadata.set(servedByHeader, replica());
        next({ ...callStatus, metadata });
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };
}
