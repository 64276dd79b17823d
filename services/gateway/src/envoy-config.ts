/**
 * The gateway's one configuration source: Envoy's bootstrap (listener,
 * filters, routes, clusters) as a plain object, written out as JSON for
 * `envoy -c`. The REST routes themselves are not here: Envoy's gRPC-JSON
 * transcoder reads them from the `google.api.http` annotations in the
 * descriptor set that `npm run proto:gen` builds from proto/ (the generator
 * reads the same annotations only to answer a wrong method 405). Browsers
 * (gRPC-Web, CORS), tracing and the metrics listener are options.
 */
import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import { protoRoot } from '@demo/platform';
import { restRoutes, templatePattern } from './rest-routes.js';
import type { GatewayTracing } from './tracing.js';

/** proto/descriptor-set.binpb: every service with its imports (google.api.http among them). */
export const descriptorSetPath = join(protoRoot, 'descriptor-set.binpb');

/**
 * proto/openapi.json: the OpenAPI document of the REST routes, generated from
 * the same annotations by `npm run proto:gen`; the gateway serves it at GET /openapi.json.
 */
export const openapiDocumentPath = join(protoRoot, 'openapi.json');

export type Upstream = 'aggregator' | 'user' | 'recommendation';

/** Which service answers which gRPC service: the only routing the gateway does after transcoding. */
export const transcodedServices = [
  { service: 'demo.aggregator.v1.AggregatorService', upstream: 'aggregator' },
  { service: 'demo.aggregator.v1.DefenseService', upstream: 'aggregator' },
  { service: 'demo.user.v1.UserService', upstream: 'user' },
  { service: 'demo.recommendation.v1.RecommendationService', upstream: 'recommendation' },
  { service: 'demo.fault.v1.FaultService', upstream: 'recommendation' },
] as const satisfies readonly { service: string; upstream: Upstream }[];

/**
 * Retries only of calls that never reached a service (the connection was
 * refused, or the stream refused before the service saw it), on another
 * replica: safe for every method, and what a pod that went away between two
 * DNS answers costs a caller otherwise.
 */
const unsentCallRetries = {
  retry_on: 'connect-failure,refused-stream,reset-before-request',
  num_retries: 2,
  retry_host_predicate: [
    {
      name: 'envoy.retry_host_predicates.previous_hosts',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
      },
    },
  ],
};

/** Streams that run until the client goes away: no route timeout may end them. */
const openEndedMethods = ['/demo.user.v1.UserService/WatchUsers'];

export interface GatewayConfigOptions {
  /** Where REST clients connect. */
  listen: { host: string; port: number };
  /** Envoy's admin interface: it can stop the process, so loopback only. */
  admin: { host: string; port: number };
  /** Each upstream's replicas as host:port. */
  upstreams: Record<Upstream, string[]>;
  /**
   * How the upstream addresses are read: 'static' takes them as IP addresses
   * (local processes); 'dns' resolves each name again and again and balances
   * over every address it answers with (a headless Service: every ready pod).
   */
  upstreamResolution?: 'static' | 'dns';
  /**
   * The services' HS256 secret, or a JWKS file that holds it (the cluster
   * mounts one from the JWT Secret, so the secret is never in the
   * configuration): the gateway checks the bearer token itself.
   */
  jwtSecret?: string;
  jwksFile?: string;
  /**
   * A listener of its own that answers GET /ready with Envoy's own state: 200
   * once it has started, 503 while it drains or fails its health check. For
   * kubelet probes, which cannot reach the loopback-only admin interface.
   */
  readiness?: { host: string; port: number };
  /** The deadline a REST call reaches the services with when the caller sends no shorter grpc-timeout. */
  routeTimeoutSeconds?: number;
  /** Larger request bodies are refused with 413 before anything reaches a service. */
  maxRequestBodyBytes?: number;
  /**
   * How long a client may take to send its whole request (headers and body)
   * before it is answered 408. It ends when the request is in, so a watch,
   * whose request is its headers, streams for as long as it likes.
   */
  requestTimeoutSeconds?: number;
  /** Browser origins allowed to call (CORS), e.g. the control room's; none: no cross-origin calls. */
  corsOrigins?: string[];
  /** Spans to an OTLP collector (tracingFromEnv reads the services' variables); none: no tracing. */
  tracing?: GatewayTracing | undefined;
  /** A listener that serves only GET /metrics (Prometheus text from the admin interface); none: no such listener. */
  metrics?: { host: string; port: number } | undefined;
  descriptorSet?: string;
  /** The OpenAPI document served at GET /openapi.json (in the cluster, where the chart mounts it). */
  openapiDocument?: string;
}

/** The google.rpc.Status code for each HTTP status Envoy itself answers with (its local replies). */
const localReplyCodes: Record<number, number> = {
  400: 3, // INVALID_ARGUMENT: bad JSON, a wrong type, an unknown query parameter
  401: 16, // UNAUTHENTICATED: no token, or a bad one
  404: 5, // NOT_FOUND: a path that maps to no method
  405: 12, // UNIMPLEMENTED: a known path asked with a method it does not take (as grpc-gateway answers)
  408: 4, // DEADLINE_EXCEEDED: a client that did not finish sending its request in time
  413: 8, // RESOURCE_EXHAUSTED: a body over the limit
  431: 8, // RESOURCE_EXHAUSTED: headers over Envoy's limits (60 KiB, 100 entries)
  503: 14, // UNAVAILABLE: no replica to send the call to
  504: 4, // DEADLINE_EXCEEDED: the route's timeout
};

/** On a route that Envoy answers itself: the transcoder would refuse its path as no method's. */
const transcoderDisabled = { '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', disabled: true };

export function envoyConfig(options: GatewayConfigOptions): object {
  const routeTimeout = `${options.routeTimeoutSeconds ?? 10}s`;
  const maxRequestBodyBytes = options.maxRequestBodyBytes ?? 1024 * 1024;
  const httpFilters = [
    // First, so that a preflight (which carries no token) is answered here.
    ...(options.corsOrigins?.length ? [corsFilter()] : []),
    // gRPC-Web (browsers) in, gRPC to the services: the routes, the token
    // check and the deadlines below apply to it as to gRPC.
    grpcWebFilter,
    {
      name: 'envoy.filters.http.jwt_authn',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
        providers: {
          demo: {
            // The services' HS256 secret as a JWKS symmetric key ("oct"); the
            // token is forwarded, so the services still read its role.
            local_jwks: jwksSource(options),
            forward: true,
          },
        },
        // Everything but the health check and the OpenAPI document needs a
        // token, including the user service's routes: that service does not
        // check tokens itself.
        rules: [
          { match: { path: '/healthz' } },
          { match: { path: '/openapi.json' } },
          { match: { prefix: '/' }, requires: { provider_name: 'demo' } },
        ],
      },
    },
    {
      name: 'envoy.filters.http.grpc_json_transcoder',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder',
        proto_descriptor: options.descriptorSet ?? descriptorSetPath,
        services: transcodedServices.map(({ service }) => service),
        // proto3 JSON: int64 as strings, zero values printed, lowerCamelCase
        // names; a server stream as one JSON message a line, flushed as it comes.
        print_options: {
          add_whitespace: false,
          always_print_primitive_fields: true,
          always_print_enums_as_ints: false,
          preserve_proto_field_names: false,
          stream_newline_delimited: true,
        },
        // A gRPC error becomes a google.rpc.Status body with the HTTP status of its code.
        convert_grpc_status: true,
        // A path or query that maps to no method is the client's mistake: 404 or
        // 400 here, rather than passed upstream as a request nobody serves.
        request_validation_options: {
          reject_unknown_method: true,
          reject_unknown_query_parameters: true,
          reject_binding_body_field_collisions: true,
        },
        max_request_body_size: maxRequestBodyBytes,
      },
    },
    {
      // The whole transcoded call before anything goes upstream: the
      // transcoder passes the headers on at once, so without this a body it
      // then refuses (bad JSON, too large) would already have opened a call
      // on a service.
      name: 'envoy.filters.http.buffer',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer',
        max_request_bytes: maxRequestBodyBytes,
      },
    },
    routerFilter,
  ];

  const routes = [
    ...(options.corsOrigins?.length ? [preflightRoute] : []),
    {
      match: { path: '/healthz' },
      direct_response: { status: 200, body: { inline_string: 'ok\n' } },
      // The transcoder would refuse a path that maps to no method.
      typed_per_filter_config: { 'envoy.filters.http.grpc_json_transcoder': transcoderDisabled },
    },
    {
      // Read once, when Envoy loads its configuration.
      match: { path: '/openapi.json' },
      direct_response: { status: 200, body: { filename: options.openapiDocument ?? openapiDocumentPath } },
      response_headers_to_add: [
        { header: { key: 'content-type', value: 'application/json' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      ],
      typed_per_filter_config: { 'envoy.filters.http.grpc_json_transcoder': transcoderDisabled },
    },
    ...openEndedMethods.map((path) => ({
      match: { path },
      route: {
        cluster: upstreamOf(path),
        // Neither a route timeout nor an idle timeout: a watch waits for users as long as its client does.
        timeout: '0s',
        idle_timeout: '0s',
        retry_policy: unsentCallRetries,
      },
    })),
    ...transcodedServices.map(({ service, upstream }) => ({
      match: { prefix: `/${service}/` },
      route: {
        cluster: upstream,
        // The call's deadline: Envoy ends it then, and sends it on as
        // grpc-timeout (a caller's shorter grpc-timeout wins), so every REST
        // call reaches the services with a deadline they propagate.
        max_stream_duration: { max_stream_duration: routeTimeout, grpc_timeout_header_max: routeTimeout },
        retry_policy: unsentCallRetries,
      },
    })),
    ...methodNotAllowedRoutes(),
    {
      // A gRPC or gRPC-Web call for a service the gateway does not serve
      // (health, reflection): 404, which a gRPC client reads as UNIMPLEMENTED.
      match: { prefix: '/', headers: [{ name: 'content-type', string_match: { prefix: 'application/grpc' } }] },
      direct_response: { status: 404, body: { inline_string: 'no such service here' } },
    },
    {
      // A REST call as it arrives: the transcoder then either answers it (a
      // path no method has) or turns it into a gRPC call, routed again above.
      // It must be a route to a cluster, not an answer: the CORS filter, which
      // runs before the transcoder, finds a policy only on such a route.
      match: { prefix: '/' },
      route: { cluster: noUpstreamClusterName },
    },
  ];

  return {
    admin: { address: socketAddress(options.admin) },
    static_resources: {
      listeners: [
        ...(options.readiness ? [readinessListener(options.readiness)] : []),
        httpListener('rest', options.listen, {
          stat_prefix: 'gateway',
          codec_type: 'AUTO',
          route_config: {
            name: 'rest',
            virtual_hosts: [
              {
                name: 'services',
                domains: ['*'],
                routes,
                ...(options.corsOrigins?.length ? corsPolicy(options.corsOrigins) : {}),
              },
            ],
            // Envoy's default of 4 KiB is less than the OpenAPI document (about 24 KiB).
            max_direct_response_body_size_bytes: 1024 * 1024,
          },
          http_filters: httpFilters,
          local_reply_config: localReplyConfig(),
          // A client that sends its headers slowly, or its body slowly or
          // never, is answered (408) and forgotten; nothing reached a
          // service, which sees a call only once the body is whole.
          request_headers_timeout: '10s',
          request_timeout: `${options.requestTimeoutSeconds ?? 30}s`,
          ...(options.tracing ? { tracing: tracingConfig(options.tracing) } : {}),
        }),
        ...(options.metrics ? [metricsListener(options.metrics)] : []),
      ],
      clusters: [
        ...(Object.entries(options.upstreams) as [Upstream, string[]][]).map(([name, addresses]) =>
          cluster(name, addresses, options.upstreamResolution ?? 'static'),
        ),
        // Never called: the REST routes' cluster before transcoding (see the last route).
        {
          name: noUpstreamClusterName,
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: { cluster_name: noUpstreamClusterName, endpoints: [] },
        },
        ...(options.tracing ? [collectorCluster(options.tracing.collector)] : []),
        ...(options.metrics ? [adminCluster(options.admin)] : []),
      ],
    },
  };
}

/**
 * A path the protos declare, asked with a method none of its RPCs takes:
 * 405 with `Allow`, before the transcoder (which would say 404, as for a path
 * nobody declared) and before any service.
 */
function methodNotAllowedRoutes() {
  return restRoutes(transcodedServices.map(({ service }) => service)).map(({ template, methods }) => ({
    match: {
      safe_regex: { regex: templatePattern(template) },
      headers: [
        { name: ':method', string_match: { safe_regex: { regex: `^(${methods.join('|')})$` } }, invert_match: true },
      ],
    },
    direct_response: { status: 405, body: { inline_string: `${template} takes ${methods.join(', ')}` } },
    response_headers_to_add: [{ header: { key: 'allow', value: methods.join(', ') } }],
    typed_per_filter_config: { 'envoy.filters.http.grpc_json_transcoder': transcoderDisabled },
  }));
}

function upstreamOf(path: string): Upstream {
  const entry = transcodedServices.find(({ service }) => path.startsWith(`/${service}/`));
  if (!entry) throw new Error(`no upstream serves ${path}`);
  return entry.upstream;
}

/** The HS256 secret, as the services use it (its UTF-8 bytes), as a JWKS key. */
export function jwks(secret: string) {
  return { keys: [{ kty: 'oct', alg: 'HS256', k: Buffer.from(secret, 'utf8').toString('base64url') }] };
}

function jwksSource({ jwtSecret, jwksFile }: GatewayConfigOptions) {
  if ((jwtSecret === undefined) === (jwksFile === undefined)) throw new Error('give the gateway jwtSecret or jwksFile');
  return jwksFile !== undefined ? { filename: jwksFile } : { inline_string: JSON.stringify(jwks(jwtSecret ?? '')) };
}

/**
 * GET /ready from Envoy's health check filter, which answers for Envoy
 * itself: the listener takes connections only once Envoy has initialised
 * (its clusters resolved), and the filter answers 503 once Envoy drains or
 * fails its health check. It does not look at the upstreams: a gateway with
 * no aggregator to send to still answers, with 503 UNAVAILABLE as JSON,
 * which says more than a Service with no endpoints would.
 */
function readinessListener(address: { host: string; port: number }) {
  return httpListener('ready', address, {
    stat_prefix: 'ready',
    route_config: { name: 'ready', virtual_hosts: [{ name: 'ready', domains: ['*'], routes: [] }] },
    http_filters: [
      {
        name: 'envoy.filters.http.health_check',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck',
          pass_through_mode: false,
          headers: [{ name: ':path', string_match: { exact: '/ready' } }],
        },
      },
      routerFilter,
    ],
  });
}

/**
 * Envoy's own answers (a missing token, no route, a body too large, bad
 * JSON) as google.rpc.Status JSON, as the services' errors are: a client
 * reads one error shape whoever refused it.
 */
function localReplyConfig() {
  return {
    mappers: Object.entries(localReplyCodes).map(([status, code]) => ({
      filter: {
        status_code_filter: {
          comparison: {
            op: 'EQ',
            value: { default_value: Number(status), runtime_key: `gateway.local_reply.${status}` },
          },
        },
      },
      body_format_override: { json_format: { code, message: '%LOCAL_REPLY_BODY%', details: [] } },
    })),
  };
}

/** A listener whose one filter is an HTTP connection manager configured by `connectionManager`. */
function httpListener(name: string, address: { host: string; port: number }, connectionManager: object) {
  return {
    name,
    address: socketAddress(address),
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type':
                'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              ...connectionManager,
            },
          },
        ],
      },
    ],
  };
}

/**
 * For the bench's scale, not for serving: the least an Envoy needs to pass
 * gRPC-Web to the aggregator, from this generator's own parts: one listener
 * with the gRPC-Web filter and the router, the gateway's aggregator cluster,
 * and GET /healthz. No authentication, transcoding, CORS, buffering, error
 * routes or metrics listener: what the gateway costs beyond this is theirs.
 */
export function bareEnvoyConfig(options: {
  listen: { host: string; port: number };
  admin: { host: string; port: number };
  aggregator: string;
}): object {
  return {
    admin: { address: socketAddress(options.admin) },
    static_resources: {
      listeners: [
        httpListener('bare', options.listen, {
          stat_prefix: 'bare',
          route_config: {
            name: 'bare',
            virtual_hosts: [
              {
                name: 'bare',
                domains: ['*'],
                routes: [
                  { match: { path: '/healthz' }, direct_response: { status: 200 } },
                  { match: { prefix: '/' }, route: { cluster: 'aggregator', timeout: '10s' } },
                ],
              },
            ],
          },
          http_filters: [grpcWebFilter, routerFilter],
        }),
      ],
      clusters: [cluster('aggregator', [options.aggregator], 'static')],
    },
  };
}

const grpcWebFilter = {
  name: 'envoy.filters.http.grpc_web',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb' },
};

/** The last HTTP filter of every listener: it sends the request where its route says. */
const routerFilter = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
};

function socketAddress({ host, port }: { host: string; port: number }) {
  return { socket_address: { address: host, port_value: port } };
}

/** A cluster's endpoints: each host one endpoint, all of one locality. */
function loadAssignment(clusterName: string, hosts: { host: string; port: number }[]) {
  return {
    cluster_name: clusterName,
    endpoints: [{ lb_endpoints: hosts.map((host) => ({ endpoint: { address: socketAddress(host) } })) }],
  };
}

/** gRPC's transport to an upstream. */
const http2Only = {
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    explicit_http_config: { http2_protocol_options: {} },
  },
};

/**
 * How many of unsentCallRetries may run at once. Envoy's default is 3 per
 * cluster, but a replica's connection-age GOAWAY refuses every stream sent
 * after it at once: at 400 calls/s, one call in about 75 came back 503
 * "remote refused stream reset", its retry refused by this limit
 * (upstream_rq_retry_overflow), though it had reached no service. A retry
 * budget does not help here: it is a share of the requests still active
 * upstream, and the refused ones have just left that count. So the limit is
 * the cluster's limit of requests (Envoy's default 1024): every call in
 * flight may go again once; the retry policy still bounds each call to two
 * retries, and it retries nothing a service has seen.
 */
const unsentCallRetryLimit = { priority: 'DEFAULT', max_requests: 1024, max_retries: 1024 };

/** An upstream spoken to in HTTP/2 (gRPC), each call balanced on its own over the replicas. */
function cluster(name: Upstream, addresses: string[], resolution: 'static' | 'dns') {
  return {
    name,
    ...(resolution === 'static'
      ? { type: 'STATIC' }
      : {
          // Every A record of the name is a host (strict DNS): a headless
          // Service's ready pods. Asked again every 5 s, whatever the
          // record's TTL, so a pod that goes or comes is seen within seconds;
          // a name with no ready pod yet (an install, every pod replaced)
          // fails to resolve, and is asked again after 1 s, backing off to
          // 5 s, so the first Ready pod is used about a second after DNS has it.
          cluster_type: {
            name: 'envoy.clusters.dns',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.clusters.dns.v3.DnsCluster',
              dns_refresh_rate: '5s',
              dns_failure_refresh_rate: { base_interval: '1s', max_interval: '5s' },
              dns_lookup_family: 'V4_ONLY',
            },
          },
        }),
    lb_policy: 'ROUND_ROBIN',
    connect_timeout: '1s',
    typed_extension_protocol_options: http2Only,
    circuit_breakers: { thresholds: [unsentCallRetryLimit] },
    load_assignment: loadAssignment(
      name,
      addresses.map((address) => {
        const separator = address.lastIndexOf(':');
        return { host: address.slice(0, separator), port: Number(address.slice(separator + 1)) };
      }),
    ),
  };
}

const noUpstreamClusterName = 'no_upstream';

/**
 * A browser's preflight (OPTIONS with Origin and Access-Control-Request-Method),
 * on any path: the CORS filter answers every one that takes this route, with
 * the allow headers for an allowed origin, without them for another, so it
 * needs no token and reaches nothing behind the gateway.
 */
const preflightRoute = {
  match: {
    prefix: '/',
    headers: [
      { name: ':method', string_match: { exact: 'OPTIONS' } },
      { name: 'origin', string_match: { safe_regex: { regex: '.+' } } },
      { name: 'access-control-request-method', string_match: { safe_regex: { regex: '.+' } } },
    ],
  },
  route: { cluster: noUpstreamClusterName },
};

/** The CORS filter; the policy it applies is the virtual host's (corsPolicy). */
function corsFilter() {
  return {
    name: 'envoy.filters.http.cors',
    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' },
  };
}

/**
 * Which browser pages may call: the listed origins only. A preflight from
 * another is answered here without an allow-origin (the browser then refuses
 * the call), never passed on. gRPC-Web's request headers are allowed and its
 * status trailers-as-headers exposed, or a browser client could read no error.
 */
function corsPolicy(origins: string[]) {
  return {
    typed_per_filter_config: {
      'envoy.filters.http.cors': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
        allow_origin_string_match: origins.map((origin) => ({ exact: origin })),
        allow_methods: 'GET, PUT, POST, DELETE',
        allow_headers: [
          'authorization',
          'content-type',
          'grpc-timeout',
          'x-grpc-web',
          'x-user-agent',
          'traceparent',
          'tracestate',
        ].join(', '),
        expose_headers: ['grpc-status', 'grpc-message', 'grpc-status-details-bin', 'served-by'].join(', '),
        max_age: '600',
        forward_not_matching_preflights: false,
      },
    },
  };
}

/**
 * Envoy's OpenTelemetry tracer: a server span for every call, exported over
 * OTLP/gRPC, with W3C traceparent read from the caller and sent on to the
 * service. Envoy's own sampling lets every call through to the tracer, whose
 * sampler decides as the services' OpenTelemetry SDK does: the caller's
 * decision when it sent one (parent-based), else the configured ratio.
 */
function tracingConfig(tracing: GatewayTracing) {
  const ratioSampler = {
    name: 'envoy.tracers.opentelemetry.samplers.trace_id_ratio_based',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.tracers.opentelemetry.samplers.v3.TraceIdRatioBasedSamplerConfig',
      sampling_percentage: { numerator: Math.round(tracing.ratio * 1_000_000), denominator: 'MILLION' },
    },
  };
  return {
    random_sampling: { value: 100 },
    provider: {
      name: 'envoy.tracers.opentelemetry',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig',
        grpc_service: { envoy_grpc: { cluster_name: collectorClusterName }, timeout: '2s' },
        service_name: tracing.serviceName,
        sampler: tracing.parentBased
          ? {
              name: 'envoy.tracers.opentelemetry.samplers.parent_based',
              typed_config: {
                '@type':
                  'type.googleapis.com/envoy.extensions.tracers.opentelemetry.samplers.v3.ParentBasedSamplerConfig',
                wrapped_sampler: ratioSampler,
              },
            }
          : ratioSampler,
      },
    },
  };
}

const collectorClusterName = 'opentelemetry_collector';

/** The OTLP/gRPC collector, by name or address (a Service name in the cluster). */
function collectorCluster(collector: { host: string; port: number }) {
  return {
    name: collectorClusterName,
    type: 'STRICT_DNS',
    connect_timeout: '1s',
    typed_extension_protocol_options: http2Only,
    load_assignment: loadAssignment(collectorClusterName, [collector]),
  };
}

/**
 * Prometheus's door: GET /metrics, answered from the admin interface's
 * /stats/prometheus, and nothing else, so the admin interface (which can
 * change log levels, drain listeners, stop Envoy) stays on loopback.
 */
function metricsListener(address: { host: string; port: number }) {
  return httpListener('metrics', address, {
    stat_prefix: 'metrics',
    // /metrics/../quitquitquit is /quitquitquit, which matches nothing here.
    normalize_path: true,
    merge_slashes: true,
    route_config: {
      name: 'metrics',
      virtual_hosts: [
        {
          name: 'metrics',
          domains: ['*'],
          routes: [
            {
              match: { path: '/metrics', headers: [{ name: ':method', string_match: { exact: 'GET' } }] },
              route: { cluster: adminClusterName, prefix_rewrite: '/stats/prometheus', timeout: '5s' },
            },
            {
              match: { prefix: '/' },
              direct_response: { status: 404, body: { inline_string: 'only GET /metrics here\n' } },
            },
          ],
        },
      ],
    },
    http_filters: [routerFilter],
  });
}

const adminClusterName = 'admin';

function adminCluster(admin: { host: string; port: number }) {
  return {
    name: adminClusterName,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: loadAssignment(adminClusterName, [admin]),
  };
}
