import { ResponderBuilder, ServerInterceptingCall, ServerListenerBuilder, type ServerInterceptor } from '@grpc/grpc-js';
import { beginCallTrace, withContext, type CallTrace } from '../telemetry/call-trace.js';
import { isInfrastructure } from './method.js';

/**
 * Gives every call a server span, including calls that end before their
 * handler runs (refused by auth, aborted by an injected fault), which the
 * gRPC instrumentation never sees. Sits inside logging and metrics, so their
 * log line and exemplar for such a call carry its trace.
 */
export function tracingInterceptor(): ServerInterceptor {
  return (definition, call) => {
    if (isInfrastructure(definition.path)) return new ServerInterceptingCall(call);
    let callTrace: CallTrace | undefined;
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        callTrace = beginCallTrace(definition.path, metadata);
        next(metadata);
      })
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((callStatus, next) => {
        if (callTrace === undefined || callTrace.handled) {
          next(callStatus);
          return;
        }
        withContext(callTrace.endUnhandled(callStatus), () => next(callStatus));
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };
}
