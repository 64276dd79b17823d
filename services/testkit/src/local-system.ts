/**
 * The whole system as local processes: one user service, two recommendation
 * replicas that know each other as fault peers, and the aggregator, which
 * reaches both replicas through one `ipv4:` round_robin target; and, when
 * asked, the console (the control room's web page) over all of them, and
 * the gateway (Envoy: REST/JSON in front of the services).
 * `make run`, the scenario runner and the system tests all start it from here.
 */
import { startGateway, type GatewayProcess } from './envoy-process.js';
import { tracingFromEnv } from '@demo/gateway';
import { freePort, freePorts } from './ports.js';
import { startService, type ServiceProcess } from './processes.js';
import { waitFor } from './wait.js';
import { serviceEntry } from './entrypoints.js';

export type LocalServiceName = 'user' | 'recommendation-a' | 'recommendation-b' | 'aggregator' | 'console';

export interface LocalSystemOptions {
  jwtSecret: string;
  /** Start the console too (its `grpc` port is its HTTP port). */
  console?: boolean;
  /**
   * Start the gateway too (Envoy must be installed): its REST, admin and
   * metrics ports, free ones when unset. It traces as the services do, from
   * the OTEL_* variables of `env.all`.
   */
  gateway?:
    | boolean
    | {
        port?: number;
        adminPort?: number;
        metricsPort?: number;
        routeTimeoutSeconds?: number;
        requestTimeoutSeconds?: number;
        corsOrigins?: string[];
        /** CPUs to pin Envoy to instead of `cpus` (a benchmark gives it a core of its own, as its own pods have). */
        cpus?: string;
      };
  /** gRPC (HTTP for the console) and metrics ports; free ones are picked for any left unset. */
  ports?: Partial<Record<LocalServiceName, { grpc: number; metrics: number }>>;
  /** Variables for every service, then for one. */
  env?: Partial<Record<LocalServiceName | 'all', Record<string, string>>>;
  /** Every output line of every service, as it arrives. */
  onLine?: (service: LocalServiceName, line: string) => void;
  /** CPUs to pin every service (the gateway too) to (taskset's list), apart from a benchmark's load. */
  cpus?: string;
  /** Keep each service's log lines (default); a benchmark discards them. */
  collectLogs?: boolean;
  /** Told when a service exits while the system is not stopping. */
  onUnexpectedExit?: (service: LocalServiceName | 'gateway', code: number | null) => void;
}

export interface LocalSystem {
  user: ServiceProcess;
  recommendations: ServiceProcess[];
  aggregator: ServiceProcess;
  /** The console, when asked for: its page is at http://{address}/. */
  console?: ServiceProcess | undefined;
  /** The gateway, when asked for: REST at http://{address}/v1/... */
  gateway?: GatewayProcess | undefined;
  /** Starts recommendation replica `index` again on its port, after it was stopped or killed. */
  restartRecommendation(index: 0 | 1): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  const ports = options.ports ?? {};
  // Both picked before either replica binds: freePorts never gives one port twice.
  const [pickedA, pickedB] = await freePorts(2);
  const recommendationPorts = [
    ports['recommendation-a']?.grpc || (pickedA ?? 0),
    ports['recommendation-b']?.grpc || (pickedB ?? 0),
  ] as const;
  const recommendationTarget = `ipv4:${recommendationPorts.map((port) => `127.0.0.1:${port}`).join(',')}`;
  const running = new Set<ServiceProcess>();
  let stopping = false;

  const start = async (
    name: LocalServiceName,
    entry: string,
    grpcPort: number,
    env: Record<string, string>,
    waitForServing = true,
  ) => {
    const service = await startService({
      name,
      entry,
      waitForServing,
      env: {
        JWT_SECRET: options.jwtSecret,
        GRPC_PORT: String(grpcPort),
        METRICS_PORT: String(ports[name]?.metrics || (await freePort())),
        ...options.env?.all,
        ...env,
        ...options.env?.[name],
      },
      ...(options.onLine ? { onLine: (line: string) => options.onLine?.(name, line) } : {}),
      ...(options.cpus ? { cpus: options.cpus } : {}),
      ...(options.collectLogs === false ? { collectLogs: false } : {}),
    });
    running.add(service);
    void service.exited.then((code) => {
      running.delete(service);
      if (!stopping) options.onUnexpectedExit?.(name, code);
    });
    return service;
  };

  const startRecommendation = (index: 0 | 1) =>
    start(
      index === 0 ? 'recommendation-a' : 'recommendation-b',
      serviceEntry.recommendation,
      recommendationPorts[index],
      { FAULT_PEERS_TARGET: recommendationTarget },
    );

  /** The console knows every replica by its address, as it knows the headless Services in the cluster. */
  const startConsole = async (services: {
    httpPort: number;
    aggregator: ServiceProcess;
    user: ServiceProcess;
    recommendations: ServiceProcess[];
    gateway: GatewayProcess | undefined;
  }) => {
    const metricsOf = (list: ServiceProcess[]) =>
      `ipv4:${list.map((service) => `127.0.0.1:${service.metricsPort ?? 0}`).join(',')}`;
    const consoleService = await start(
      'console',
      serviceEntry.console,
      0,
      {
        HTTP_PORT: String(services.httpPort),
        AGGREGATOR_TARGET: `ipv4:${services.aggregator.address}`,
        RECOMMENDATION_TARGET: recommendationTarget,
        AGGREGATOR_METRICS_TARGET: metricsOf([services.aggregator]),
        USER_METRICS_TARGET: metricsOf([services.user]),
        RECOMMENDATION_METRICS_TARGET: metricsOf(services.recommendations),
        ...(services.gateway?.metricsAddress
          ? { GATEWAY_METRICS_TARGET: `ipv4:${services.gateway.metricsAddress}` }
          : {}),
      },
      false,
    );
    await waitFor('the console to answer', async () => {
      const response = await fetch(`http://${consoleService.address}/readyz`, { signal: AbortSignal.timeout(1000) });
      return response.ok ? true : undefined;
    });
    return consoleService;
  };

  // Started before the console, which charts its calls; stopped first.
  let gateway: GatewayProcess | undefined;
  try {
    // allSettled, so that when one fails to start, the others have finished starting and can be stopped.
    const started = await Promise.allSettled([
      start('user', serviceEntry.user, ports.user?.grpc || (await freePort()), {}),
      startRecommendation(0),
      startRecommendation(1),
    ]);
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    const [user, a, b] = started.map((result) => (result as PromiseFulfilledResult<ServiceProcess>).value) as [
      ServiceProcess,
      ServiceProcess,
      ServiceProcess,
    ];
    const aggregator = await start(
      'aggregator',
      serviceEntry.aggregator,
      ports.aggregator?.grpc || (await freePort()),
      {
        USER_TARGET: `ipv4:${user.address}`,
        RECOMMENDATION_TARGET: recommendationTarget,
      },
    );
    const gatewayOptions = typeof options.gateway === 'object' ? options.gateway : {};
    gateway = options.gateway
      ? await startGateway(
          {
            listen: { host: '127.0.0.1', port: gatewayOptions.port || (await freePort()) },
            admin: { host: '127.0.0.1', port: gatewayOptions.adminPort || (await freePort()) },
            upstreams: {
              aggregator: [aggregator.address],
              user: [user.address],
              recommendation: [a.address, b.address],
            },
            metrics: { host: '127.0.0.1', port: gatewayOptions.metricsPort || (await freePort()) },
            jwtSecret: options.jwtSecret,
            tracing: tracingFromEnv(options.env?.all ?? {}),
            ...(gatewayOptions.routeTimeoutSeconds ? { routeTimeoutSeconds: gatewayOptions.routeTimeoutSeconds } : {}),
            ...(gatewayOptions.requestTimeoutSeconds
              ? { requestTimeoutSeconds: gatewayOptions.requestTimeoutSeconds }
              : {}),
            ...(gatewayOptions.corsOrigins ? { corsOrigins: gatewayOptions.corsOrigins } : {}),
          },
          undefined,
          { cpus: gatewayOptions.cpus ?? options.cpus },
        )
      : undefined;
    const consoleService = options.console
      ? await startConsole({
          httpPort: ports.console?.grpc || (await freePort()),
          aggregator,
          user,
          recommendations: [a, b],
          gateway,
        })
      : undefined;
    const startedGateway = gateway;
    startedGateway?.process.once('exit', (code) => {
      if (!stopping) options.onUnexpectedExit?.('gateway', code);
    });
    const system: LocalSystem = {
      user,
      recommendations: [a, b],
      aggregator,
      console: consoleService,
      gateway: startedGateway,
      async restartRecommendation(index) {
        const replica = await startRecommendation(index);
        system.recommendations[index] = replica;
        return replica;
      },
      async stop() {
        stopping = true;
        // The gateway first, so that no REST call arrives at a service that is draining.
        await startedGateway?.stop();
        await Promise.all([...running].map((service) => service.stop('SIGTERM')));
      },
    };
    return system;
  } catch (error) {
    stopping = true;
    await gateway?.stop();
    await Promise.all([...running].map((service) => service.stop('SIGKILL')));
    throw error;
  }
}
