import { ServerInterceptingCall, ServerListenerBuilder, status, type ServerInterceptor } from '@grpc/grpc-js';
import { isInfrastructure, type Logger } from '@demo/platform';
import type { ResilienceMetrics } from './metrics.js';

/**
 * Load shedding at the front door: at most `maxInFlight` calls are admitted
 * at a time, and the next one gets RESOURCE_EXHAUSTED at once, before any
 * work is done for it. Past its capacity a server that accepts everything
 * makes every call slow, until they all miss their deadlines and the
 * dependencies' timeouts fire on answers its own starved event loop could
 * not read in time (opening their breakers); turning the excess away keeps
 * the admitted calls fast.
 *
 * It runs before every interceptor but metrics (GrpcServer's `admission`),
 * so a shed call is counted (grpc_server_handled_total with ResourceExhausted,
 * and aggregator_admission_rejections_total) but not logged, traced or
 * authenticated one by one; a summary is logged at most once a second.
 */
export function admissionInterceptor(options: {
  maxInFlight: number;
  metrics: ResilienceMetrics;
  logger: Logger;
}): ServerInterceptor {
  const { maxInFlight, metrics, logger } = options;
  let inFlight = 0;
  let shedSinceLog = 0;
  let lastLog = 0;
  metrics.admissionInFlight.set(0);

  const shed = () => {
    metrics.admissionRejections.inc();
    shedSinceLog += 1;
    const now = Date.now();
    if (now - lastLog < 1000) return;
    logger.warn({ shed: shedSinceLog, max_in_flight: maxInFlight }, 'at the admission limit: shedding calls');
    shedSinceLog = 0;
    lastLog = now;
  };

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
          shed();
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
