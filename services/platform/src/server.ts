import { createServer, type Server as NetServer, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { MetricsRegistry } from './metrics.js';
import type { Logger } from './logger.js';
import type { SecretKey } from './auth.js';
import { rpcHandlers, type RpcHandlers } from './handlers.js';
import { authGate, infrastructureAuthPolicy, methodsWithoutPolicy, type AuthPolicy } from './interceptors/auth.js';
import { callLog } from './interceptors/logging.js';
import { methodMetrics } from './interceptors/metrics.js';
import { platformInterceptor, type AdmissionGate } from './interceptors/pipeline.js';
import { keepRepeatedHeaders } from './repeated-headers.js';
import { grpcServerMetrics } from './metrics.js';
import { tracingActive } from './telemetry/state.js';

export interface GrpcServerOptions {
  host: string;
  port: number;
  /** The pod name in the cluster; when unset the replica is named by its bound host:port. */
  podName?: string | undefined;
  logger: Logger;
  metrics: MetricsRegistry;
  /** Descriptors of every proto (loadProtos().reflection); reflection lists the services this server registers. */
  reflection: PackageDefinition;
  /**
   * Who may call what: every method of every service added must be named
   * (health and reflection are public already), or start() refuses. The key
   * verifies tokens; a server whose methods are all public needs none.
   */
  auth: { policy: AuthPolicy; key?: SecretKey | undefined };
  /**
   * Load shedding, run as early as grpc-go's tap handle runs: a call turned
   * away under overload must cost as little as possible, so it is counted in
   * grpc_server_handled_total (ResourceExhausted) but neither logged nor
   * traced one by one; the gate logs a summary of what it sheds.
   */
  admission?: AdmissionGate | undefined;
  /** Run after auth, nearest the handler (the recommendation service's fault injection). */
  interceptors?: grpc.ServerInterceptor[];
  maxConnectionAgeMs: number;
  /** Unset: calls on an aged connection run to their own end (see the constructor). */
  maxConnectionAgeGraceMs?: number | undefined;
  /** A connection that has not sent the HTTP/2 preface by then is closed. */
  handshakeTimeoutMs: number;
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  /** After SIGTERM: keep serving this long while NOT_SERVING propagates. */
  shutdownDelayMs: number;
  /** After SIGTERM: how long in-flight calls may take before they are cut off. */
  shutdownGraceMs: number;
}

/** The most metadata (headers, decoded) a call may carry. */
export const maxMetadataBytes = 16 * 1024;

/**
 * The server every service runs: health, reflection, the call pipeline
 * (metrics, admission, logging, replica header, trace bookkeeping, auth, then
 * the service's own interceptors), connection
 * age limits and graceful shutdown.
 */
export class GrpcServer {
  /** Adapters that turn async functions into handlers (the recovery layer). */
  readonly rpc: RpcHandlers;
  readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  readonly #server: MethodRecordingServer;
  /** The listening socket is ours, not grpc-js's, so each connection gets a handshake deadline. */
  readonly #listener: NetServer;
  readonly #connections = new Set<Socket>();
  /** Stops restoring repeated authorization headers (see repeated-headers.ts). */
  readonly #stopKeepingRepeatedHeaders = keepRepeatedHeaders();
  readonly #options: GrpcServerOptions;
  readonly #serviceNames: string[] = [];
  readonly #draining = new AbortController();
  #ready = true;
  #started = false;
  #port = 0;
  /** Named once the port is bound (start()): every answer carries it. */
  #replica: string | undefined;

  constructor(options: GrpcServerOptions) {
    this.#options = options;
    const { logger } = options;
    this.rpc = rpcHandlers(logger, this.#draining.signal);
    this.#server = new MethodRecordingServer({
      // Cap connection age so clients re-resolve the headless Service and
      // spread onto new pods. At the age the server sends GOAWAY: the client
      // opens a new connection for new calls, which is all rebalancing
      // needs. By default no grace follows, so calls already running on the
      // aged connection (a watch that runs for hours, a recommendation
      // stream) finish on their own terms instead of dying with UNAVAILABLE
      // "Socket closed" at age plus grace; unary calls end by their
      // deadlines, and keepalive closes the connection of a vanished client.
      // This is gRFC A9's and grpc-go's default too.
      'grpc.max_connection_age_ms': options.maxConnectionAgeMs,
      ...(options.maxConnectionAgeGraceMs === undefined
        ? {}
        : { 'grpc.max_connection_age_grace_ms': options.maxConnectionAgeGraceMs }),
      // A call's metadata is small (a token, trace context); 16 KiB is gRPC
      // C-core's hard limit. Advertised to clients, which fail at once if they
      // honour it (grpc-go), enforced by Node otherwise (RESOURCE_EXHAUSTED),
      // and past Node's HPACK limit the connection is closed at once (the
      // project's grpc-js patch; README, "Oversized metadata").
      'grpc.max_metadata_size': maxMetadataBytes,
      // Ping every client so connections to vanished or silent peers are
      // closed: a peer that does not answer within the timeout loses its connection.
      'grpc.keepalive_time_ms': options.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs,
      // The first interceptor is the outermost: it sees the call first and its
      // status last. The platform's own concerns share one (pipeline.ts says why).
      interceptors: [
        platformInterceptor({
          metricsOf: methodMetrics(grpcServerMetrics(options.metrics)),
          logOf: callLog(logger),
          replica: () => this.replica,
          admission: options.admission,
          authorize: authGate({
            policy: { ...infrastructureAuthPolicy, ...options.auth.policy },
            key: options.auth.key,
            logger,
          }),
          tracing: tracingActive(),
        }),
        ...(options.interceptors ?? []),
      ],
    });
    this.#listener = createServer();
  }

  /**
   * grpc-js keeps a connection that never completes the HTTP/2 handshake (a
   * port scan, a client stuck in TLS, an attacker) open for ever: it has no
   * session yet, so neither keepalive nor connection age reaches it. Each
   * such connection holds a file descriptor and memory, so past the deadline
   * one that has not sent the client preface and its SETTINGS frame is closed.
   */
  #accept(socket: Socket, injector: grpc.ConnectionInjector): void {
    this.#connections.add(socket);
    const handshake = setTimeout(() => {
      if (socket.bytesRead < http2PrefaceBytes) socket.destroy();
    }, this.#options.handshakeTimeoutMs);
    handshake.unref();
    socket.once('close', () => {
      clearTimeout(handshake);
      this.#connections.delete(socket);
    });
    injector.injectConnection(socket);
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
    return this.#replica ?? this.#options.podName ?? `${this.#options.host}:${this.#port}`;
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
    const unguarded = methodsWithoutPolicy(
      { ...infrastructureAuthPolicy, ...this.#options.auth.policy },
      this.#server.methodPaths,
    );
    if (unguarded.length > 0) {
      throw new Error(`no auth policy for ${unguarded.join(', ')}: name each method, as 'public' or with a role`);
    }
    const needsKey = Object.values(this.#options.auth.policy).some((required) => required !== 'public');
    if (needsKey && !this.#options.auth.key) throw new Error('the auth policy names roles but no key verifies tokens');
    const injector = this.#server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    this.#listener.on('connection', (socket: Socket) => this.#accept(socket, injector));
    this.#port = await new Promise<number>((resolve, reject) => {
      this.#listener.once('error', reject);
      this.#listener.listen(port, host, () => {
        this.#listener.off('error', reject);
        const address = this.#listener.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
    this.#started = true;
    this.#replica = this.#options.podName ?? `${host}:${this.#port}`;
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
        for (const socket of this.#connections) socket.destroy();
        resolve();
      }, shutdownGraceMs);
      // tryShutdown sends GOAWAY and closes each session once its calls are
      // done, but with injected connections it reports done at once; the
      // listener's close callback comes when the last connection has closed.
      this.#server.tryShutdown(() => undefined);
      this.#listener.close(() => {
        clearTimeout(force);
        resolve();
      });
    });
    this.#stopKeepingRepeatedHeaders();
    logger.info('drained');
  }
}

/** The client connection preface (24 octets) and the frame header of its SETTINGS frame (9). */
const http2PrefaceBytes = 24 + 9;

/** A grpc.Server that remembers the path of every method added to it, whoever adds it (health, reflection). */
class MethodRecordingServer extends grpc.Server {
  readonly methodPaths: string[] = [];

  override addService(service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void {
    this.methodPaths.push(...Object.values(service).map((method) => method.path));
    super.addService(service, implementation);
  }
}

/** The GrpcServer settings that come straight from the shared variables (serverConfigShape). */
export function serverSettings(config: {
  GRPC_HOST: string;
  GRPC_PORT: number;
  POD_NAME?: string | undefined;
  MAX_CONNECTION_AGE_MS: number;
  MAX_CONNECTION_AGE_GRACE_MS?: number | undefined;
  HANDSHAKE_TIMEOUT_MS: number;
  KEEPALIVE_TIME_MS: number;
  KEEPALIVE_TIMEOUT_MS: number;
  SHUTDOWN_DELAY_MS: number;
  SHUTDOWN_GRACE_MS: number;
}) {
  return {
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    podName: config.POD_NAME,
    maxConnectionAgeMs: config.MAX_CONNECTION_AGE_MS,
    maxConnectionAgeGraceMs: config.MAX_CONNECTION_AGE_GRACE_MS,
    handshakeTimeoutMs: config.HANDSHAKE_TIMEOUT_MS,
    keepaliveTimeMs: config.KEEPALIVE_TIME_MS,
    keepaliveTimeoutMs: config.KEEPALIVE_TIMEOUT_MS,
    shutdownDelayMs: config.SHUTDOWN_DELAY_MS,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  };
}
