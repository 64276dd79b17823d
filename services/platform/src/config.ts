import { z } from 'zod';

/**
 * Thrown when an environment variable is missing or invalid. The message is
 * one line that names the variable, which is what an operator needs to see in
 * `kubectl logs` when a pod crash-loops on a typo.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses `env` against one service's schema; the first problem becomes a ConfigError. */
export function parseConfig<Schema extends z.ZodObject>(
  schema: Schema,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<Schema> {
  // Empty strings count as unset, so `FOO=` in a manifest falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = String(issue?.path[0] ?? 'environment');
  const given = env[variable];
  const shown = given === undefined || given === '' ? 'it is not set' : `got ${JSON.stringify(given)}`;
  throw new ConfigError(`invalid configuration: ${variable}: ${issue?.message ?? 'invalid'} (${shown})`);
}

/**
 * For a composition root: parse the configuration or stop the process with
 * one line on stderr and exit code 78 (EX_CONFIG).
 */
export function loadConfigOrExit<Schema extends z.ZodObject>(schema: Schema): z.infer<Schema> {
  try {
    return parseConfig(schema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
}

/** 0 asks the OS for a free port (tests use it; the bound port is logged). */
export const port = () => z.coerce.number().int().min(0).max(65535);
export const positiveMs = () =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60 * 60 * 1000);

const booleanWords: Record<string, boolean> = { true: true, '1': true, false: false, '0': false };
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((value) => booleanWords[value] ?? fallback);

/**
 * gRPC target for a client channel: `dns:///host:port` in the cluster (a
 * headless Service, so the resolver returns every pod) or
 * `ipv4:host:port,host:port` locally.
 */
export const grpcTarget = () =>
  z
    .string()
    .regex(
      /^(dns:\/\/\/[A-Za-z0-9.-]+:\d+|ipv4:\d+\.\d+\.\d+\.\d+:\d+(,\d+\.\d+\.\d+\.\d+:\d+)*|[A-Za-z0-9.-]+:\d+)$/,
      'expected dns:///host:port, ipv4:ip:port[,ip:port...] or host:port',
    );

/**
 * The variables every service reads. Defaults work for a local process; the
 * chart sets the cluster values (0.0.0.0, port 50051, the pod name).
 */
export function serverConfigShape(defaults: { grpcPort: number; metricsPort: number }) {
  return {
    GRPC_HOST: z.string().min(1).default('127.0.0.1'),
    GRPC_PORT: port().default(defaults.grpcPort),
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    METRICS_PORT: port().default(defaults.metricsPort),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** The replica's name: the pod name in the cluster (downward API), host:port when unset. */
    POD_NAME: z.string().min(1).optional(),
    /**
     * Servers close connections older than this, so clients re-resolve DNS and
     * spread onto pods added by a scale-up; without it a long-lived channel
     * keeps talking only to the pods that existed when it connected.
     */
    MAX_CONNECTION_AGE_MS: positiveMs().default(30_000),
    /**
     * How long calls on an aged connection may still run before it is cut.
     * Unset (the default): they run to their own end, so a watch or a
     * recommendation stream survives the age cap (the GOAWAY already moves
     * new calls to a new connection).
     */
    MAX_CONNECTION_AGE_GRACE_MS: positiveMs().optional(),
    /**
     * A connection that has not sent the HTTP/2 client preface by then is
     * closed: grpc-js would keep it, and its file descriptor, for ever.
     */
    HANDSHAKE_TIMEOUT_MS: positiveMs().default(10_000),
    /** The server pings every client this often... */
    KEEPALIVE_TIME_MS: positiveMs().default(60_000),
    /** ...and closes the connection of one that does not answer within this: a vanished or silent peer. */
    KEEPALIVE_TIMEOUT_MS: positiveMs().default(20_000),
    /** After SIGTERM: how long in-flight calls may take before the server forces them closed. */
    SHUTDOWN_GRACE_MS: positiveMs().default(10_000),
    /**
     * After SIGTERM and before draining: how long to keep serving while
     * NOT_SERVING propagates and endpoints are removed (the pod's preStop
     * pause does this in the cluster, so it is 0 by default).
     */
    SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  };
}

/** HS256 needs a key of at least 256 bits. */
export const jwtSecret = () => z.string().min(32, 'expected at least 32 characters');
