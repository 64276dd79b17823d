import { Counter, Gauge } from 'prom-client';
import type { MetricsRegistry } from '../metrics.js';
import type { FaultDecision } from './fault.js';
import type { FaultState } from './fault-state.js';

/** Faults injected, and the fault in force, for Prometheus. */
export function faultMetrics(registry: MetricsRegistry, state: FaultState) {
  const injected = new Counter({
    name: 'fault_injected_total',
    help: 'Calls that had a fault injected, by kind (delay, abort).',
    labelNames: ['kind'],
    registers: [registry],
  });
  const setting = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  setting(
    'fault_delay_milliseconds',
    'The injected delay in force (0 for none).',
    () => state.current.delay?.delayMs ?? 0,
  );
  setting('fault_delay_percentage', 'Share of calls delayed, 0 to 100.', () => state.current.delay?.percentage ?? 0);
  setting('fault_abort_percentage', 'Share of calls aborted, 0 to 100.', () => state.current.abort?.percentage ?? 0);
  setting(
    'fault_abort_code',
    'The gRPC status code aborted calls get (0 for none).',
    () => state.current.abort?.grpcCode ?? 0,
  );
  return {
    /** For faultInterceptor's onInjected. */
    record: (_path: string, decision: FaultDecision): void => {
      if (decision.delayMs > 0) injected.inc({ kind: 'delay' });
      if (decision.abortCode !== undefined) injected.inc({ kind: 'abort' });
    },
  };
}
