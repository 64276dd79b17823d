/**
 * The gRPC calls the checks make through a port-forward, as a client of
 * the cluster would: GetUserHome with a bearer token, FaultService with an
 * admin one.
 */
import {
  faultClient,
  homeClient,
  mintToken,
  secretKey,
  type Fault,
  type FaultClient,
  type HomeCall as PlatformHomeCall,
  type HomeClient,
} from '@demo/platform';
import { percentile, runOpenLoop, type Result } from '@demo/testkit/open-loop';

export async function tokenFor(jwtSecret: string, role: 'user' | 'admin'): Promise<string> {
  return mintToken({ key: secretKey(jwtSecret), subject: `e2e-${role}`, role, ttlSeconds: 3600 });
}

export interface HomeCall extends PlatformHomeCall {
  servedBy: Record<string, string>;
  recommendations: number;
  /** A failed call's details. */
  details?: string | undefined;
}

/** GetUserHome through one address (a forwarded aggregator). */
export class Front {
  readonly #client: HomeClient;
  constructor(address: string, token: string) {
    this.#client = homeClient(`ipv4:${address}`, { token });
  }

  async home(userId: number, options: { deadlineMs?: number; traceparent?: string } = {}): Promise<HomeCall> {
    const call = await this.#client.home(userId, {
      recommendationLimit: 3,
      ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
      ...(options.traceparent ? { headers: { traceparent: options.traceparent } } : {}),
    });
    return {
      ...call,
      servedBy: call.answer?.servedBy ?? {},
      recommendations: call.answer?.recommendations.length ?? 0,
      details: call.answer ? undefined : call.reason,
    };
  }

  /** `count` calls one after another, users 1 to 3 in turn. */
  async sequence(count: number): Promise<HomeCall[]> {
    const calls: HomeCall[] = [];
    for (let i = 0; i < count; i++) calls.push(await this.home((i % 3) + 1));
    return calls;
  }

  /** Open-loop calls at `rate` a second for `durationMs`; latency from each call's scheduled time. */
  async openLoop(rate: number, durationMs: number): Promise<{ calls: HomeCall[]; p50: number; p99: number }> {
    const calls: HomeCall[] = [];
    let next = 0;
    const samples = await runOpenLoop({
      rate,
      durationMs,
      send: async (): Promise<Result> => {
        const call = await this.home((next++ % 3) + 1);
        calls.push(call);
        return { outcome: call.outcome };
      },
    });
    const latencies = samples.map((sample) => sample.latencyMs);
    return { calls, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  }

  close() {
    this.#client.close();
  }
}

/** FaultService of one recommendation pod (through its own forward), with an admin token. */
export class FaultControl {
  readonly #client: FaultClient;
  constructor(address: string, adminToken: string) {
    this.#client = faultClient(address, { token: adminToken });
  }

  set = (fault: Fault) => this.#client.set(fault);
  get = () => this.#client.get();
  clear = () => this.#client.clear();

  close() {
    this.#client.close();
  }
}

/** How many of `calls` each replica of `dependency` served. */
export function countServedBy(calls: readonly HomeCall[], dependency: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) {
    const replica = call.servedBy[dependency];
    if (replica) counts[replica] = (counts[replica] ?? 0) + 1;
  }
  return counts;
}
