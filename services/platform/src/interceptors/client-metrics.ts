import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { traceExemplar, type GrpcClientMetrics } from '../metrics.js';
import { methodMetrics } from './metrics.js';

/** go-grpc-prometheus's client metrics for every call on a channel: started, handled by code, latency, messages. */
export function clientMetricsInterceptor(metrics: GrpcClientMetrics): Interceptor {
  const forMethod = methodMetrics(metrics);
  return (options, nextCall) => {
    const recorder = forMethod(options.method_definition);
    // Read at start, in the caller's context: the status arrives outside it.
    const exemplarLabels = traceExemplar();
    const started = performance.now();
    recorder.started();
    return new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        next(metadata, {
          onReceiveMessage(message: unknown, nextMessage: (message: unknown) => void) {
            recorder.received();
            nextMessage(message);
          },
          onReceiveStatus(callStatus, nextStatus) {
            recorder.finished(callStatus.code, (performance.now() - started) / 1000, exemplarLabels);
            nextStatus(callStatus);
          },
        });
      },
      sendMessage(message: unknown, next: (message: unknown) => void) {
        recorder.sent();
        next(message);
      },
    });
  };
}
