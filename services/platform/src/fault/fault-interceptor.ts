import { ServerInterceptingCall, ServerListenerBuilder, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import { callTraceOf } from '../telemetry/call-trace.js';
import { isInfrastructure } from '../interceptors/method.js';
import { drawFault, statusFromCode, type FaultDecision } from './fault.js';
import type { FaultState } from './fault-state.js';

export const faultServicePrefix = '/demo.fault.v1.FaultService/';

/** Health, reflection and FaultService itself are never faulted: the switch must keep working. */
export function isFaultExempt(path: string): boolean {
  return isInfrastructure(path) || path.startsWith(faultServicePrefix);
}

/**
 * Applies the current fault before the handler runs: waits the drawn delay
 * (ending early if the caller cancels or its deadline passes), then either
 * aborts with the drawn status or lets the call through.
 */
export function faultInterceptor(options: {
  state: FaultState;
  onInjected?: (path: string, decision: FaultDecision) => void;
}): ServerInterceptor {
  return (definition, call) => {
    if (isFaultExempt(definition.path)) return new ServerInterceptingCall(call);
    const decision = drawFault(options.state.current);
    if (decision.delayMs === 0 && decision.abortCode === undefined) return new ServerInterceptingCall(call);
    options.onInjected?.(definition.path, decision);

    let timer: NodeJS.Timeout | undefined;
    let cancelled = false;
    let delaySpan: Span | undefined;
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const callTrace = callTraceOf(metadata);
        if (decision.delayMs > 0) {
          const attributes = { 'fault.kind': 'delay', 'fault.delay_ms': decision.delayMs };
          callTrace?.addEvent('fault.injected', attributes);
          // A span for the wait itself, so the trace shows where the time went.
          delaySpan = callTrace?.childSpan('fault.delay', attributes);
        }
        if (decision.abortCode !== undefined) {
          callTrace?.addEvent('fault.injected', {
            'fault.kind': 'abort',
            'fault.grpc_code': decision.abortCode,
            'fault.status': status[decision.abortCode] ?? String(decision.abortCode),
          });
        }
        const proceed = () => {
          delaySpan?.end();
          if (cancelled) return;
          if (decision.abortCode === undefined) {
            next(metadata);
            return;
          }
          call.sendStatus({
            code: statusFromCode(decision.abortCode),
            details: `fault injected: ${status[decision.abortCode]}`,
          });
        };
        // Node timers overflow past 2^31-1 ms (about 24.8 days) and would fire at once; that is a hang anyway.
        if (decision.delayMs > 0) timer = setTimeout(proceed, Math.min(decision.delayMs, 2 ** 31 - 1));
        else proceed();
      })
      .withOnCancel(() => {
        cancelled = true;
        clearTimeout(timer);
        delaySpan?.setAttribute('fault.cut_short_by', 'cancellation');
        delaySpan?.end();
      })
      .build();
    return new ServerInterceptingCall(call, { start: (next) => next(listener) });
  };
}
