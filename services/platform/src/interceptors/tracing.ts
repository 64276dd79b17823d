import { ResponderBuilder, ServerInterceptingCall, ServerListenerBuilder, type ServerInterceptor } from '@grpc/grpc-js';
import { beginCallTrace, withContext, type CallTrace } from '../telemetry/call-trace.js';
import { cancellationStatus } from './cancellation.js';
import { isInfrastructure } from './method.js';

/**
 * Gives every call a server span, including calls that end before their
 * handler runs (refused by auth, aborted or held past their deadline by an
 * injected fault), which the gRPC instrumentation never sees. Sits inside
 * logging and metrics, so their log line and exemplar for such a call carry
 * its trace.
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
      .withOnCancel(() => {
        callTrace?.finish(cancellationStatus({ deadline: call.getDeadline(), startedAt: callTrace.started }));
      })
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((callStatus, next) => {
        if (callTrace === undefined || callTrace.handled) {
          next(callStatus);
          return;
        }
        withContext(callTrace.finish(callStatus), () => next(callStatus));
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };
}
