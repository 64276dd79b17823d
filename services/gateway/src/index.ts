export {
  descriptorSetPath,
  envoyConfig,
  jwks,
  transcodedServices,
  type GatewayConfigOptions,
  type Upstream,
} from './envoy-config.js';
export { envoyBinary, envoyInstalled, startGateway, validateConfig, type GatewayProcess } from './envoy-process.js';
