import { ServerInterceptingCall, ServerListenerBuilder, status, type ServerInterceptor } from '@grpc/grpc-js';
import { callTraceOf, isInfrastructure } from '@demo/platform';
import type { ResilienceMetrics } from './metrics.js';

/**
 * Load shedding at the front door: at most `maxInFlight` calls are admitted
 * at a time, and the next one gets RESOURCE_EXHAUSTED at once, before any
 * work is done for it. Past its capacity a server that accepts everything
 * makes every call slow, until they all miss their deadlines and the
 * dependencies' timeouts fire on calls its own starved event loop could not
 * read in time (opening their breakers); turning the excess away keeps the
 * admitted calls fast. It runs after auth, so an unauthenticated call is
 * told so rather than told to wait.
 */
export function admissionInterceptor(options: { maxInFlight: number; metrics: ResilienceMetrics }): ServerInterceptor {
  const { maxInFlight, metrics } = options;
  let inFlight = 0;
  metrics.admissionInFlight.set(0);
  return (definition, call) => {
    if (isInfrastructure(definition.path)) return new ServerInterceptingCall(call);
    let admitted = false;
    const release = () => {
      if (!admitted) return;
      admitted = false;
      inFlight -= 1;
      metrics.admissionInFlight.set(inFlight);
    };
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        if (inFlight >= maxInFlight) {
          metrics.admissionRejections.inc();
          callTraceOf(metadata)?.addEvent('admission.rejected', { max_in_flight: maxInFlight });
          call.sendStatus({
            code: status.RESOURCE_EXHAUSTED,
            details: `the aggregator is at its limit of ${maxInFlight} calls in flight; try again later`,
          });
          return;
        }
        admitted = true;
        inFlight += 1;
        metrics.admissionInFlight.set(inFlight);
        next(metadata);
      })
      .withOnCancel(release)
      .build();
    return new ServerInterceptingCall(call, {
      start: (next) => next(listener),
      sendStatus: (callStatus, next) => {
        release();
        next(callStatus);
      },
    });
  };
}
