import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  type Metadata,
  type ServerInterceptor,
  type status,
} from '@grpc/grpc-js';
import { traceExemplar, type GrpcServerMetrics } from '../metrics.js';
import { callTraceOf, withContext } from '../telemetry/call-trace.js';
import { cancellationStatus } from './cancellation.js';
import { methodInfo } from './method.js';
import { goCodeName } from './status-names.js';

/** Counts started, handled (by code) and streamed messages, and times every call. */
export function metricsInterceptor(metrics: GrpcServerMetrics): ServerInterceptor {
  return (definition, call) => {
    const { service, method, type } = methodInfo(definition);
    const labels = { grpc_type: type, grpc_service: service, grpc_method: method };
    metrics.started.inc(labels);
    const started = performance.now();
    const startedAt = Date.now();
    let metadata: Metadata | undefined;
    let finished = false;
    const finish = (code: status) => {
      if (finished) return;
      finished = true;
      // Called inside the call's trace context, so the exemplar names its trace.
      const exemplarLabels = traceExemplar();
      metrics.handlingSeconds.observe({
        labels,
        value: (performance.now() - started) / 1000,
        ...(exemplarLabels ? { exemplarLabels } : {}),
      });
      metrics.handled.inc({ ...labels, grpc_code: goCodeName(code) });
    };
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((received, next) => {
        metadata = received;
        next(received);
      })
      .withOnReceiveMessage((message, next) => {
        metrics.received.inc(labels);
        next(message);
      })
      .withOnCancel(() => {
        if (finished) return;
        // No status was sent: the client cancelled (Canceled), or the deadline passed (DeadlineExceeded).
        const ended = cancellationStatus({ deadline: call.getDeadline(), startedAt });
        const callTrace = metadata && callTraceOf(metadata);
        if (callTrace) withContext(callTrace.finish(ended), () => finish(ended.code));
        else finish(ended.code);
      })
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendMessage((message, next) => {
        metrics.sent.inc(labels);
        next(message);
      })
      .withSendStatus((callStatus, next) => {
        finish(callStatus.code);
        next(callStatus);
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };
}
