import {
  Metadata,
  ServerInterceptingCall,
  type ServerInterceptor,
  type ServerMethodDefinition,
  type StatusObject,
} from '@grpc/grpc-js';
import { traceExemplar } from '../metrics.js';
import { beginCallTrace, withContext, type CallTrace } from '../telemetry/call-trace.js';
import type { Refusal } from './auth.js';
import { cancellationStatus } from './cancellation.js';
import type { CallLogLine } from './logging.js';
import { isInfrastructure } from './method.js';
import type { MethodMetrics } from './metrics.js';
import { servedByHeader } from './served-by.js';

/**
 * Load shedding at the front door (the aggregator's): `admit` says at once
 * whether one more call may run, and `release` is called once for each
 * admitted call when it ends.
 */
export interface AdmissionGate {
  admit(): Refusal | undefined;
  release(): void;
}

export interface PipelineOptions {
  metricsOf: (definition: ServerMethodDefinition<unknown, unknown>) => MethodMetrics;
  logOf: (definition: ServerMethodDefinition<unknown, unknown>) => CallLogLine;
  /** This replica's name, for the served-by header. */
  replica: () => string;
  admission?: AdmissionGate | undefined;
  authorize: (path: string, metadata: Metadata) => Refusal | undefined | Promise<Refusal | undefined>;
  /** Whether a tracer provider is registered; without one no trace bookkeeping is done at all. */
  tracing: boolean;
}

/**
 * Everything the platform does around a call, as one grpc-js interceptor.
 * In grpc-js each interceptor is a layer of its own objects and callbacks
 * on every call, and a layer that does nothing costs a unary call as much
 * CPU as a short handler (BENCHMARKS.md), so the platform's concerns share
 * one layer, in the order a chain would run them:
 *
 *   1. metrics: started, messages each way, handled by code, latency;
 *   2. admission, when configured: a call over the limit is refused before
 *      any other work, counted but not logged or traced one by one;
 *   3. the access log line, written when the call ends however it ends;
 *   4. the served-by header on every answer;
 *   5. the call's trace bookkeeping (CallTrace), so a call that ends before
 *      its handler (refused, cut short by a fault or its deadline) still has
 *      a server span, and exemplars and log lines name the trace;
 *   6. auth: a refusal is logged, counted and traced like any other end.
 *
 * The service's own interceptors (fault injection) and the handler follow.
 * Each concern's logic lives in its own module (metrics.ts, logging.ts,
 * auth.ts, call-trace.ts); this file only says when each runs.
 */
export function platformInterceptor(options: PipelineOptions): ServerInterceptor {
  const { admission, authorize, replica, tracing } = options;
  return (definition, call) => {
    const metrics = options.metricsOf(definition);
    const log = options.logOf(definition);
    const infrastructure = isInfrastructure(definition.path);
    metrics.started();
    const started = performance.now();
    const startedAt = Date.now();
    // Read now: once the client has gone, its connection may be too.
    const peer = call.getPeer();
    let callTrace: CallTrace | undefined;
    let admitted = false;
    let shed = false;
    let headersSent = false;
    let received = false;
    let cancelled = false;
    let finished = false;

    const record = (callStatus: Pick<StatusObject, 'code' | 'details'>) => {
      const elapsedMs = performance.now() - started;
      // Inside the call's trace context, so the exemplar and the log line name its trace.
      metrics.finished(callStatus.code, elapsedMs / 1000, traceExemplar());
      if (!shed) log(callStatus, elapsedMs, peer);
    };
    /** The call is over; whichever of its status or its cancellation comes first says how. */
    const finish = (callStatus: Pick<StatusObject, 'code' | 'details'>, inHandlerContext: boolean) => {
      if (finished) return;
      finished = true;
      if (admitted) admission?.release();
      if (callTrace === undefined || (inHandlerContext && callTrace.handled)) record(callStatus);
      else withContext(callTrace.finish(callStatus), () => record(callStatus));
    };
    /** Ends the call here, before the handler (shed, refused). */
    const refuse = (refusal: Refusal) => {
      const callStatus = { ...refusal, metadata: servedBy(new Metadata()) };
      finish(callStatus, false);
      call.sendStatus(callStatus);
    };
    const servedBy = (metadata: Metadata) => {
      metadata.set(servedByHeader, replica());
      return metadata;
    };

    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            if (admission && !infrastructure) {
              const refusal = admission.admit();
              if (refusal) {
                shed = true;
                refuse(refusal);
                return;
              }
              admitted = true;
            }
            if (tracing && !infrastructure) callTrace = beginCallTrace(definition.path, metadata);
            const decided = authorize(definition.path, metadata);
            if (decided === undefined) nextMetadata(metadata);
            else if (!(decided instanceof Promise)) refuse(decided);
            else {
              void decided.then((refusal) => {
                if (finished || cancelled) return;
                if (refusal) refuse(refusal);
                else nextMetadata(metadata);
              });
            }
          },
          onReceiveMessage: (message, nextMessage) => {
            received = true;
            metrics.received();
            nextMessage(message);
          },
          // A unary or server-streaming call cancelled before its request
          // message (an aggregator cancelling a sibling call it had just
          // started) would be misreported: Node's HTTP/2 stream ends its
          // readable side when the RST_STREAM comes, so grpc-js first sees a
          // half-close with no message, answers UNIMPLEMENTED "Received no
          // request message", and only then reports the cancellation. Holding
          // such a half-close back one turn of the event loop lets the
          // cancellation arrive first, and the call ends CANCELLED. A client
          // that really half-closes without a message still gets
          // UNIMPLEMENTED, one turn later.
          onReceiveHalfClose: (nextHalfClose) => {
            if (received || definition.requestStream) {
              nextHalfClose();
              return;
            }
            setImmediate(() => {
              if (!cancelled) nextHalfClose();
            });
          },
          onCancel: () => {
            cancelled = true;
            // No status was sent: the client cancelled, or the deadline passed.
            if (!finished) finish(cancellationStatus({ deadline: call.getDeadline(), startedAt }), false);
          },
        }),
      sendMetadata: (metadata, next) => {
        headersSent = true;
        next(servedBy(metadata));
      },
      sendMessage: (message, next) => {
        metrics.sent();
        next(message);
      },
      sendStatus: (callStatus, next) => {
        // An answer without headers carries the replica in its trailers.
        const answer = headersSent
          ? callStatus
          : { ...callStatus, metadata: servedBy(callStatus.metadata ?? new Metadata()) };
        finish(answer, true);
        next(answer);
      },
    });
  };
}
