import {
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type ServerInterceptor,
  type StatusObject,
} from '@grpc/grpc-js';

/**
 * How a call that grpc-js reports cancelled really ended. The client's own
 * timer cancels a call at its deadline, and its RST_STREAM usually arrives
 * before the server's timer for the same deadline fires (the server counts
 * from a little later, when the headers arrived). So a cancellation in the
 * last tenth of the call's time (and at least its last 10 ms) is the
 * deadline: DEADLINE_EXCEEDED, as the client sees it. Any earlier, the
 * client really cancelled.
 */
export function cancellationStatus(options: {
  /** The call's deadline as grpc-js gives it: a Date, epoch ms, or Infinity for none. */
  deadline: Date | number;
  /** Epoch ms when the call started. */
  startedAt: number;
  now?: number;
}): Pick<StatusObject, 'code' | 'details'> {
  const deadline = options.deadline instanceof Date ? options.deadline.getTime() : options.deadline;
  const now = options.now ?? Date.now();
  if (Number.isFinite(deadline)) {
    const allowance = Math.max(10, (deadline - options.startedAt) / 10);
    if (now >= deadline - allowance) return { code: status.DEADLINE_EXCEEDED, details: 'deadline exceeded' };
  }
  return { code: status.CANCELLED, details: 'cancelled by the client' };
}

/**
 * A unary or server-streaming call cancelled before its request message
 * arrived (an aggregator cancelling a sibling call it had just started)
 * would be misreported: Node's HTTP/2 stream ends its readable side when the
 * RST_STREAM comes, so grpc-js first sees a half-close with no message,
 * answers UNIMPLEMENTED "Received no request message", and only then
 * reports the cancellation. Holding such a half-close back for one turn of
 * the event loop lets the cancellation arrive first, and the call ends
 * CANCELLED. A client that really half-closes without a message still gets
 * UNIMPLEMENTED, one turn later. The first interceptor, so no other sees it.
 */
export function requestlessCancelInterceptor(): ServerInterceptor {
  return (definition, call) => {
    if (definition.requestStream) return new ServerInterceptingCall(call);
    let received = false;
    let cancelled = false;
    const listener = new ServerListenerBuilder()
      .withOnReceiveMessage((message, next) => {
        received = true;
        next(message);
      })
      .withOnReceiveHalfClose((next) => {
        if (received) {
          next();
          return;
        }
        setImmediate(() => {
          if (!cancelled) next();
        });
      })
      .withOnCancel(() => (cancelled = true))
      .build();
    return new ServerInterceptingCall(call, { start: (next) => next(listener) });
  };
}
