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
/** The pages that may call the local gateway from a browser: the control room's origin, by either name. */
export const localGatewayCorsOrigins = [
  `http://127.0.0.1:${localConsolePorts.http}`,
  `http://localhost:${localConsolePorts.http}`,
];
export const localJaegerPorts = { otlpGrpc: 4317, ui: 16686 } as const;
