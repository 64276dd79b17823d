import { trace } from '@opentelemetry/api';
import type { AuthPolicy, RpcHandlers } from '@demo/platform';
import type { AggregatorServiceHandlers } from '@demo/platform/generated/demo/aggregator/v1/AggregatorService.js';
import type { UserHomeAssembler } from './home.js';
import { defenseAttributes, type DefenseSwitches } from './resilience/defense-switches.js';

/** Every AggregatorService call needs a token with at least the user role. */
export const aggregatorAuthPolicy: AuthPolicy = {
  '/demo.aggregator.v1.AggregatorService/GetUserHome': 'user',
};

export function aggregatorHandlers(
  rpc: RpcHandlers,
  deps: { home: UserHomeAssembler; defenses: { readonly current: DefenseSwitches } },
): AggregatorServiceHandlers {
  return {
    GetUserHome: rpc.unary(async (request, ctx) => {
      // The switches this call ran under, so a trace says which defenses were
      // on; worked out only for a span that is recorded (sampled).
      const span = trace.getActiveSpan();
      if (span?.isRecording()) span.setAttributes(defenseAttributes(deps.defenses.current));
      const home = await deps.home.getUserHome(
        { userId: request.userId, recommendationLimit: request.recommendationLimit },
        { deadline: ctx.deadline, signal: ctx.signal },
      );
      // On the call's server span, so degraded answers can be found in Jaeger.
      span?.setAttribute('degraded', home.degraded);
      return home;
    }),
  };
}
