import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import loaderOptions from '../proto-loader-options.json' with { type: 'json' };
import type { ProtoGrpcType as AggregatorProto } from './generated/aggregator_service.js';
import type { ProtoGrpcType as FaultProto } from './generated/fault_service.js';
import type { ProtoGrpcType as RecommendationProto } from './generated/recommendation_service.js';
import type { ProtoGrpcType as UserProto } from './generated/user_service.js';

/** The repository's proto/ directory: ../../../../proto from dist/src, also in the image. */
export const protoRoot = fileURLToPath(new URL('../../../../proto/', import.meta.url));

export const protoFiles = [
  'demo/user/v1/user_service.proto',
  'demo/recommendation/v1/recommendation_service.proto',
  'demo/fault/v1/fault_service.proto',
  'demo/aggregator/v1/aggregator_service.proto',
];

/**
 * The same options generate the TypeScript types (scripts/gen-proto-types.mjs
 * reads the same JSON file), so the generated types match these objects.
 */
export const protoLoaderOptions: protoLoader.Options = {
  ...loaderOptions,
  longs: String,
  enums: String,
  includeDirs: [protoRoot],
};

export type DemoProtos = UserProto & RecommendationProto & FaultProto & AggregatorProto;

export interface LoadedProtos {
  /** Every service of the contract, for reflection. */
  packageDefinition: protoLoader.PackageDefinition;
  demo: DemoProtos['demo'];
}

export function loadProtos(): LoadedProtos {
  const packageDefinition = protoLoader.loadSync(protoFiles, protoLoaderOptions);
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as DemoProtos;
  return { packageDefinition, demo: loaded.demo };
}
