import { status } from '@grpc/grpc-js';
import type { AdmissionGate, Logger } from '@demo/platform';
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
 * The server's call pipeline asks it right after counting the call
 * (GrpcServer's `admission`), so a shed call is counted
 * (grpc_server_handled_total with ResourceExhausted, and
 * aggregator_admission_rejections_total) but not logged, traced or
 * authenticated one by one; a summary is logged at most once a second.
 * Health and reflection never reach it.
 */
export function admissionGate(options: {
  maxInFlight: number;
  metrics: ResilienceMetrics;
  logger: Logger;
}): AdmissionGate {
  const { maxInFlight, metrics, logger } = options;
  let inFlight = 0;
  let shedSinceLog = 0;
  let lastLog = 0;
  metrics.admissionInFlight.set(0);
  const refusal = {
    code: status.RESOURCE_EXHAUSTED,
    details: `the aggregator is at its limit of ${maxInFlight} calls in flight; try again later`,
  };

  const shed = () => {
    metrics.admissionRejections.inc();
    shedSinceLog += 1;
    const now = Date.now();
    if (now - lastLog < 1000) return;
    logger.warn({ shed: shedSinceLog, max_in_flight: maxInFlight }, 'at the admission limit: shedding calls');
    shedSinceLog = 0;
    lastLog = now;
  };

  return {
    admit() {
      if (inFlight >= maxInFlight) {
        shed();
        return refusal;
      }
      inFlight += 1;
      metrics.admissionInFlight.set(inFlight);
      return undefined;
    },
    release() {
      inFlight -= 1;
      metrics.admissionInFlight.set(inFlight);
    },
  };
}
