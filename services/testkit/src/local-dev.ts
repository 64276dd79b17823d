/**
 * LOCAL DEVELOPMENT ONLY. The HS256 secret that `make run` gives the local
 * services and `make token` signs with when JWT_SECRET is unset. It is public
 * (it is in the repository); the cluster generates its own random Secret at
 * install, and nothing else may use this value.
 */
export const localDevJwtSecret = 'local-dev-only-not-a-secret-0123456789abcdef';

/** The local system of DESIGN.md: ports of `make run`. */
export const localPorts = {
  aggregator: { grpc: 50051, metrics: 9464 },
  user: { grpc: 50052, metrics: 9465 },
  recommendationA: { grpc: 50053, metrics: 9466 },
  recommendationB: { grpc: 50054, metrics: 9467 },
} as const;

/** The control room's page, and Jaeger when it is installed. */
export const localConsolePorts = { http: 8080, metrics: 9468 } as const;
/**
 * The gateway (Envoy) when it is installed: REST and gRPC-Web on 8081, its
 * admin interface on loopback only, its Prometheus metrics on the next port
 * after the services' and the console's (9464 to 9468).
 */
export const localGatewayPorts = { http: 8081, admin: 9901, metrics: 9469 } as const;
export const localJaegerPorts = { otlpGrpc: 4317, ui: 16686, queryGrpc: 16685 } as const;

/** Each port of a group moved by `offset`. */
function moved<Ports extends Record<string, number>>(ports: Ports, offset: number): { [Name in keyof Ports]: number } {
  return Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, port + offset])) as {
    [Name in keyof Ports]: number;
  };
}

/**
 * Every port `make run` opens, each moved by PORT_OFFSET: DESIGN.md's ports
 * at 0, another set for a second system beside the first, or for a machine
 * where 50051 is taken (those four lie in Linux's ephemeral range, where any
 * outgoing connection may hold one for a while).
 */
export function localRunPorts(offset = 0) {
  return {
    aggregator: moved(localPorts.aggregator, offset),
    user: moved(localPorts.user, offset),
    recommendationA: moved(localPorts.recommendationA, offset),
    recommendationB: moved(localPorts.recommendationB, offset),
    console: moved(localConsolePorts, offset),
    gateway: moved(localGatewayPorts, offset),
    jaeger: moved(localJaegerPorts, offset),
  };
}

export type LocalRunPorts = ReturnType<typeof localRunPorts>;

/** Every port of `make run` with this offset, as one list. */
export function allRunPorts(offset = 0): number[] {
  return Object.values(localRunPorts(offset)).flatMap((group) => Object.values(group));
}

/** The offsets that keep every port of `make run` between 1024 and 65535. */
export const portOffsetRange = {
  min: 1024 - Math.min(...allRunPorts()),
  max: 65535 - Math.max(...allRunPorts()),
};

/** The pages that may call the local gateway from a browser: the control room's origin, by either name. */
export function localGatewayCorsOrigins(consoleHttpPort: number): string[] {
  return [`http://127.0.0.1:${consoleHttpPort}`, `http://localhost:${consoleHttpPort}`];
}
