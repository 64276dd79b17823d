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
import { bearerHeaders } from '@demo/platform';

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

export interface RestAnswer {
  status: number;
  /** The answering aggregator (or user) pod: the service's served-by header, passed on by the gateway. */
  servedBy: string | null;
  /** A gRPC answer's status (Envoy answers a gRPC call it has no route for itself: HTTP 200, grpc-status 12). */
  grpcStatus: string | null;
  body: string;
  latencyMs: number;
}

/** The REST gateway through one address (a forwarded gateway Service), as curl or a browser calls it. */
export class RestFront {
  constructor(
    readonly address: string,
    readonly token: string,
  ) {}

  #headers(extra: Record<string, string> = {}) {
    return { ...bearerHeaders(this.token), ...extra };
  }

  async #call(path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<RestAnswer> {
    const started = performance.now();
    const response = await fetch(`http://${this.address}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    const body = await response.text();
    return {
      status: response.status,
      servedBy: response.headers.get('served-by'),
      grpcStatus: response.headers.get('grpc-status'),
      body,
      latencyMs: performance.now() - started,
    };
  }

  /** GET /v1/users/{id}/home. */
  home(userId: number, options: { traceparent?: string } = {}): Promise<RestAnswer> {
    const extra: Record<string, string> = options.traceparent ? { traceparent: options.traceparent } : {};
    return this.#call(`/v1/users/${userId}/home?recommendation_limit=3`, { headers: this.#headers(extra) });
  }

  /** POST /v1/users. */
  createUser(name: string, email: string): Promise<RestAnswer> {
    return this.#call('/v1/users', {
      method: 'POST',
      headers: this.#headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ name, email }),
    });
  }

  /** Open-loop GET /v1/users/{id}/home at `rate` a second for `durationMs`: answers by HTTP status, p50 and p99. */
  async openLoop(
    rate: number,
    durationMs: number,
  ): Promise<{ statuses: Record<string, number>; p50: number; p99: number }> {
    let next = 0;
    const statuses: Record<string, number> = {};
    const samples = await runOpenLoop({
      rate,
      durationMs,
      send: async (): Promise<Result> => {
        const answer = await this.home((next++ % 3) + 1).catch(() => undefined);
        const status = answer ? String(answer.status) : 'no answer';
        statuses[status] = (statuses[status] ?? 0) + 1;
        return { outcome: status === '200' ? 'ok' : `error:${status}` };
      },
    });
    const latencies = samples.map((sample) => sample.latencyMs);
    return { statuses, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  }

  /** Any request, without the token unless asked: what the gateway lets through, and what it refuses. */
  raw(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    return this.#call(path, init);
  }

  /**
   * GET /v1/users:watch?resume_after_id=N: newline-delimited JSON, one user
   * a line, every user after N however soon after the call they were made.
   * Calls `onUser` with each as it arrives until `signal` aborts.
   */
  async watch(
    resumeAfterId: string,
    signal: AbortSignal,
    onUser: (user: { id: string; email: string }) => void,
  ): Promise<number> {
    const response = await fetch(`http://${this.address}/v1/users:watch?resume_after_id=${resumeAfterId}`, {
      headers: this.#headers(),
      signal,
    });
    if (!response.ok || !response.body) throw new Error(`the watch answered HTTP ${response.status}`);
    let buffered = '';
    try {
      for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
        buffered += chunk;
        for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
          const line = buffered.slice(0, end).trim();
          buffered = buffered.slice(end + 1);
          if (line) onUser((JSON.parse(line) as { user: { id: string; email: string } }).user);
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
    return response.status;
  }
}
