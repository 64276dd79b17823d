import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { traceExemplar, type GrpcClientMetrics } from '../metrics.js';
import { methodInfo } from './method.js';
import { goCodeName } from './status-names.js';

/** go-grpc-prometheus's client metrics for every call on a channel: started, handled by code, latency, messages. */
export function clientMetricsInterceptor(metrics: GrpcClientMetrics): Interceptor {
  return (options, nextCall) => {
    const { service, method, type } = methodInfo(options.method_definition);
    const labels = { grpc_type: type, grpc_service: service, grpc_method: method };
    // Read at start, in the caller's context: the status arrives outside it.
    const exemplarLabels = traceExemplar();
    const started = performance.now();
    metrics.started.inc(labels);
    return new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        next(metadata, {
          onReceiveMessage(message: unknown, nextMessage: (message: unknown) => void) {
            metrics.received.inc(labels);
            nextMessage(message);
          },
          onReceiveStatus(callStatus, nextStatus) {
            metrics.handlingSeconds.observe({
              labels,
              value: (performance.now() - started) / 1000,
              ...(exemplarLabels ? { exemplarLabels } : {}),
            });
            metrics.handled.inc({ ...labels, grpc_code: goCodeName(callStatus.code) });
            nextStatus(callStatus);
          },
        });
      },
      sendMessage(message: unknown, next: (message: unknown) => void) {
        metrics.sent.inc(labels);
        next(message);
      },
    });
  };
}
