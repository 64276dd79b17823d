export {
  bareEnvoyConfig,
  descriptorSetPath,
  openapiDocumentPath,
  envoyConfig,
  jwks,
  transcodedServices,
  type GatewayConfigOptions,
  type Upstream,
} from './envoy-config.js';
export { restRoutes, type RestRoute } from './rest-routes.js';
export { tracingFromEnv, type GatewayTracing } from './tracing.js';
