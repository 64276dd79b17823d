import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { MetricsRegistry } from './metrics.js';
import type { Logger } from './logger.js';
import type { SecretKey } from './auth.js';
import { rpcHandlers, type RpcHandlers } from './handlers.js';
import { authInterceptor, type AuthPolicy } from './interceptors/auth.js';
import { requestlessCancelInterceptor } from './interceptors/cancellation.js';
import { loggingInterceptor } from './interceptors/logging.js';
import { metricsInterceptor } from './interceptors/metrics.js';
import { servedByInterceptor } from './interceptors/served-by.js';
import { tracingInterceptor } from './interceptors/tracing.js';
import { grpcServerMetrics } from './metrics.js';

export interface GrpcServerOptions {
  host: string;
  port: number;
  /** The pod name in the cluster; when unset the replica is named by its bound host:port. */
  podName?: string | undefined;
  logger: Logger;
  metrics: MetricsRegistry;
  /** Descriptors of every proto (loadProtos().reflection); reflection lists the services this server registers. */
  reflection: PackageDefinition;
  auth?: { policy: AuthPolicy; key: SecretKey };
  /**
   * Load shedding, run as early as grpc-go's tap handle runs: a call turned
   * away under overload must cost as little as possible, so it is counted in
   * grpc_server_handled_total (ResourceExhausted) but neither logged nor
   * traced one by one; the interceptor logs a summary of what it sheds.
   */
  admission?: grpc.ServerInterceptor;
  /** Run after auth, nearest the handler (the recommendation service's fault injection). */
  interceptors?: grpc.ServerInterceptor[];
  maxConnectionAgeMs: number;
  maxConnectionAgeGraceMs: number;
  /** After SIGTERM: keep serving this long while NOT_SERVING propagates. */
  shutdownDelayMs: number;
  /** After SIGTERM: how long in-flight calls may take before they are cut off. */
  shutdownGraceMs: number;
}

/**
 * The server every service runs: health, reflection, the interceptor chain
 * (logging, metrics, replica header, auth, then the service's own), connection
 * age limits and graceful shutdown.
 */
export class GrpcServer {
  /** Adapters that turn async functions into handlers (the recovery layer). */
  readonly rpc: RpcHandlers;
  readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  readonly #server: grpc.Server;
  readonly #options: GrpcServerOptions;
  readonly #serviceNames: string[] = [];
  readonly #draining = new AbortController();
  #ready = true;
  #started = false;
  #port = 0;

  constructor(options: GrpcServerOptions) {
    this.#options = options;
    const { logger } = options;
    this.rpc = rpcHandlers(logger, this.#draining.signal);
    this.#server = new grpc.Server({
      // Cap connection age so clients re-resolve the headless Service and
      // spread onto new pods; the grace lets calls on an aged connection finish.
      'grpc.max_connection_age_ms': options.maxConnectionAgeMs,
      'grpc.max_connection_age_grace_ms': options.maxConnectionAgeGraceMs,
      // Ping idle clients so connections to vanished peers are noticed.
      'grpc.keepalive_time_ms': 60_000,
      'grpc.keepalive_timeout_ms': 20_000,
      // The first interceptor is the outermost: it sees the call first and its
      // status last. Tracing sits inside logging and metrics so that their log
      // line and exemplar carry the trace of a call refused before its handler.
      interceptors: [
        requestlessCancelInterceptor(),
        metricsInterceptor(grpcServerMetrics(options.metrics)),
        ...(options.admission ? [options.admission] : []),
        loggingInterceptor(logger),
        servedByInterceptor(() => this.replica),
        tracingInterceptor(),
        ...(options.auth ? [authInterceptor({ ...options.auth, logger })] : []),
        ...(options.interceptors ?? []),
      ],
    });
  }

  addService(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): this {
    this.#server.addService(definition, implementation);
    const [first] = Object.values(definition);
    const serviceName = first?.path.split('/')[1];
    if (serviceName) this.#serviceNames.push(serviceName);
    return this;
  }

  get port(): number {
    return this.#port;
  }

  /** This replica's name, as callers see it in the `served-by` header. */
  get replica(): string {
    return this.#options.podName ?? `${this.#options.host}:${this.#port}`;
  }

  /** Binds, then reports SERVING for the whole server and each service. */
  async start(): Promise<number> {
    const { host, port, reflection } = this.#options;
    const listed = [
      ...this.#serviceNames,
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ];
    new ReflectionService(reflection, { services: listed }).addToServer(this.#server);
    this.health.addToServer(this.#server);
    this.#port = await new Promise<number>((resolve, reject) => {
      this.#server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    this.#started = true;
    this.#publishHealth();
    this.#options.logger.info(
      { address: `${host}:${this.#port}`, replica: this.replica, services: this.#serviceNames },
      'serving',
    );
    return this.#port;
  }

  /**
   * Readiness that reflects dependencies: a service whose store is gone
   * reports NOT_SERVING, so Kubernetes stops sending it traffic.
   */
  setReady(ready: boolean): void {
    this.#ready = ready;
    this.#publishHealth();
  }

  #publishHealth(): void {
    const serving = this.#started && this.#ready && !this.#draining.signal.aborted ? 'SERVING' : 'NOT_SERVING';
    for (const name of ['', ...this.#serviceNames]) this.health.setStatus(name, serving);
  }

  /**
   * Graceful shutdown: report NOT_SERVING, keep serving for the delay while
   * that propagates, then stop taking calls and let in-flight ones finish,
   * cutting off whatever is left after the grace period.
   */
  async shutdown(): Promise<void> {
    if (this.#draining.signal.aborted) return;
    const { logger, shutdownDelayMs, shutdownGraceMs } = this.#options;
    this.#draining.abort();
    this.#publishHealth();
    logger.info({ delay_ms: shutdownDelayMs, grace_ms: shutdownGraceMs }, 'shutting down: NOT_SERVING');
    if (shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, shutdownDelayMs));
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        logger.warn('grace period over: cancelling the calls still in flight');
        this.#server.forceShutdown();
        resolve();
      }, shutdownGraceMs);
      this.#server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    logger.info('drained');
  }
}

/** The GrpcServer settings that come straight from the shared variables (serverConfigShape). */
export function serverSettings(config: {
  GRPC_HOST: string;
  GRPC_PORT: number;
  POD_NAME?: string | undefined;
  MAX_CONNECTION_AGE_MS: number;
  MAX_CONNECTION_AGE_GRACE_MS: number;
  SHUTDOWN_DELAY_MS: number;
  SHUTDOWN_GRACE_MS: number;
}) {
  return {
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    podName: config.POD_NAME,
    maxConnectionAgeMs: config.MAX_CONNECTION_AGE_MS,
    maxConnectionAgeGraceMs: config.MAX_CONNECTION_AGE_GRACE_MS,
    shutdownDelayMs: config.SHUTDOWN_DELAY_MS,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  };
}
