import { status } from '@grpc/grpc-js';
import type { LocalSystem } from '@demo/testkit/local-system';
import type { Fault } from '@demo/platform';

/** What a scenario does at the start of its fault phase and of its recovery phase. */
export interface Scenario {
  name: string;
  title: string;
  inject(system: LocalSystem, control: FaultControl): Promise<void>;
  recover(system: LocalSystem, control: FaultControl): Promise<void>;
}

export interface FaultControl {
  set(fault: Fault): Promise<void>;
  clear(): Promise<void>;
}

const faultScenario = (name: string, title: string, fault: Fault): Scenario => ({
  name,
  title,
  inject: (_system, control) => control.set(fault),
  recover: (_system, control) => control.clear(),
});

export const scenarios: Scenario[] = [
  faultScenario('recommendation-slow', 'Recommendation slow (600 ms on every call)', {
    delay: { delayMs: 600, percentage: 100 },
  }),
  faultScenario('recommendation-erroring', 'Recommendation erroring (UNAVAILABLE on 50% of calls)', {
    abort: { grpcCode: status.UNAVAILABLE, percentage: 50 },
  }),
  faultScenario('recommendation-hung', 'Recommendation hung (every call waits for hours)', {
    delay: { delayMs: 4 * 3600 * 1000, percentage: 100 },
  }),
  {
    name: 'replica-killed',
    title: 'One of two recommendation replicas killed (SIGKILL) under load, restarted for recovery',
    async inject(system) {
      await system.recommendations[0]?.stop('SIGKILL');
    },
    async recover(system) {
      await system.restartRecommendation(0);
    },
  },
];
