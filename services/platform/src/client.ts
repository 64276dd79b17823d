import * as grpc from '@grpc/grpc-js';
import { clientMetricsInterceptor } from './interceptors/client-metrics.js';
import { servedByHeader } from './interceptors/served-by.js';
import type { GrpcClientMetrics } from './metrics.js';

/**
 * Options for every client channel. round_robin spreads calls over every
 * address the resolver returns: all pods of a headless Service through
 * `dns:///`, or each address of an `ipv4:a,b` list. The default policy,
 * pick_first, would send everything to one pod.
 */
export function clientChannelOptions(serviceConfig: Record<string, unknown> = {}): grpc.ChannelOptions {
  return {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }], ...serviceConfig }),
    // Notice a dead peer (a node gone without closing its TCP connections) in
    // about 40 s instead of the kernel's 15 minutes. Servers must allow pings
    // this often: grpc-js does; grpc-go needs its EnforcementPolicy MinTime <= 30 s.
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    // A pod going away (GOAWAY at its shutdown or connection age) makes the
    // channel re-resolve the headless Service; grpc-js spaces resolutions at
    // least 30 s apart by default, so through a rolling update the channel
    // would keep only old, closing pods' addresses and fail calls. One second
    // apart follows the pods as fast as cluster DNS does.
    'grpc.dns_min_time_between_resolutions_ms': 1000,
    // A dependency that is not there yet (its pods start after ours) or is
    // gone for a moment is looked up and dialled again within 5 s; grpc-js
    // backs off to 2 minutes by default, long after the pods are back.
    'grpc.max_reconnect_backoff_ms': 5000,
    // Each client gets its own connections instead of grpc-js's process-wide
    // subchannel pool, so one dependency's trouble stays on its own channel.
    'grpc.use_local_subchannel_pool': 1,
  };
}

export type ClientConstructor<Client> = new (
  target: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => Client;

/**
 * A client on its own round_robin channel to `target` (`dns:///host:port` or
 * `ipv4:a:p,b:p`); `serviceConfig` adds to the service config (retry policy).
 */
export function createClient<Client extends grpc.Client>(
  Constructor: ClientConstructor<Client>,
  target: string,
  options: {
    serviceConfig?: Record<string, unknown>;
    channelOptions?: grpc.ChannelOptions;
    /** Records grpc_client_* metrics for every call. */
    metrics?: GrpcClientMetrics;
  } = {},
): Client {
  return new Constructor(target, grpc.credentials.createInsecure(), {
    ...clientChannelOptions(options.serviceConfig),
    ...options.channelOptions,
    ...(options.metrics ? { interceptors: [clientMetricsInterceptor(options.metrics)] } : {}),
  });
}

export interface UnaryCallOptions {
  /** When the call gives up; undefined for no deadline at all (rarely right). */
  deadline: Date | undefined;
  /** Cancels the call when aborted: the caller went away. */
  signal?: AbortSignal;
  metadata?: grpc.Metadata;
  /** Wait for a connection (until the deadline) instead of failing at once while there is none. */
  waitForReady?: boolean;
}

export interface UnaryResult<Response> {
  response: Response;
  /** The replica that answered, from its `served-by` response header. */
  servedBy: string | undefined;
  /** Attempts before the one that answered, when grpc-js retried the call. */
  previousAttempts: number;
}

/** grpc-js reports retries in this header of the response (gRFC A6). */
const previousAttemptsHeader = 'grpc-previous-rpc-attempts';

/** The retries behind a response or a failure: its headers, or a ServiceError's trailers. */
export function previousAttemptsOf(metadata: grpc.Metadata | undefined): number {
  const value = metadata?.get(previousAttemptsHeader)[0];
  return value === undefined ? 0 : Number(value) || 0;
}

type UnaryStarter<Response> = (
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: Response) => void,
) => grpc.ClientUnaryCall;

/**
 * Makes a unary call with a deadline, cancelled when `signal` aborts, and
 * resolves with the response and the replica that served it:
 *
 *   await unaryCall((md, opts, cb) => userClient.getUser({ id }, md, opts, cb), { deadline, signal })
 */
export function unaryCall<Response>(
  start: UnaryStarter<Response>,
  options: UnaryCallOptions,
): Promise<UnaryResult<Response>> {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      reject(Object.assign(new Error('call cancelled before it started'), { code: grpc.status.CANCELLED }));
      return;
    }
    let servedBy: string | undefined;
    let previousAttempts = 0;
    const onAbort = () => call.cancel();
    const callOptions: grpc.CallOptions = options.deadline ? { deadline: options.deadline } : {};
    const metadata = options.metadata ?? new grpc.Metadata();
    // grpc-js takes wait-for-ready from the metadata's options, not the call's.
    if (options.waitForReady) metadata.setOptions({ ...metadata.getOptions(), waitForReady: true });
    const call = start(metadata, callOptions, (error, response) => {
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve({ response: response as Response, servedBy, previousAttempts });
    });
    call.on('metadata', (metadata: grpc.Metadata) => {
      const value = metadata.get(servedByHeader)[0];
      servedBy = value === undefined ? undefined : value.toString();
      previousAttempts = previousAttemptsOf(metadata);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
