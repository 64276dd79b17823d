import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type Metadata,
  type ServerInterceptor,
  type StatusObject,
} from '@grpc/grpc-js';
import type { Logger } from '../logger.js';
import { callTraceOf, withContext } from '../telemetry/call-trace.js';
import { cancellationStatus } from './cancellation.js';
import { isInfrastructure, methodInfo } from './method.js';
import { statusName } from './status-names.js';

/** Codes that mean the server failed, as opposed to the caller asking for something wrong. */
const serverFaultCodes = new Set([status.UNKNOWN, status.INTERNAL, status.UNIMPLEMENTED, status.DATA_LOSS]);

/** One JSON line per finished call: method, code, duration and peer. */
export function loggingInterceptor(logger: Logger): ServerInterceptor {
  return (definition, call) => {
    const { path, type } = methodInfo(definition);
    const started = performance.now();
    const startedAt = Date.now();
    // Read now: once the client has gone, its connection may be too.
    const peer = call.getPeer();
    let metadata: Metadata | undefined;
    let finished = false;
    const log = (callStatus: Pick<StatusObject, 'code' | 'details'>) => {
      if (finished) return;
      finished = true;
      const line = {
        method: path,
        grpc_type: type,
        code: statusName(callStatus.code),
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
        peer,
        ...(callStatus.code === status.OK ? {} : { details: callStatus.details }),
      };
      if (isInfrastructure(path)) logger.debug(line, 'call finished');
      else if (serverFaultCodes.has(callStatus.code)) logger.error(line, 'call failed');
      else logger.info(line, 'call finished');
    };
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((received, next) => {
        metadata = received;
        next(received);
      })
      .withOnCancel(() => {
        if (finished) return;
        // No status was sent: the client cancelled, or the deadline passed.
        const ended = cancellationStatus({ deadline: call.getDeadline(), startedAt });
        const callTrace = metadata && callTraceOf(metadata);
        if (callTrace) withContext(callTrace.finish(ended), () => log(ended));
        else log(ended);
      })
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((callStatus, next) => {
        log(callStatus);
        next(callStatus);
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };
}
