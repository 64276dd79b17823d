import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import loaderOptions from '../proto-loader-options.json' with { type: 'json' };
import type { ProtoGrpcType as AggregatorProto } from './generated/aggregator_service.js';
import type { ProtoGrpcType as DefenseProto } from './generated/defense_service.js';
import type { ProtoGrpcType as FaultProto } from './generated/fault_service.js';
import type { ProtoGrpcType as RecommendationProto } from './generated/recommendation_service.js';
import type { ProtoGrpcType as UserProto } from './generated/user_service.js';

/** The repository's proto/ directory: ../../../../proto from dist/src, also in the image. */
export const protoRoot = fileURLToPath(new URL('../../../../proto/', import.meta.url));

/**
 * google/api/annotations.proto and http.proto, which the protos import for
 * google.api.http: npm's google-proto-files (a dev package); the image holds
 * only those two files, at the same path.
 */
export const googleProtoRoot = fileURLToPath(new URL('../node_modules/google-proto-files/', `file://${protoRoot}`));

export const protoFiles = [
  'demo/user/v1/user_service.proto',
  'demo/recommendation/v1/recommendation_service.proto',
  'demo/fault/v1/fault_service.proto',
  'demo/aggregator/v1/aggregator_service.proto',
  'demo/aggregator/v1/defense_service.proto',
];

/**
 * The same options generate the TypeScript types (scripts/gen-proto-types.mjs
 * reads the same JSON file), so the generated types match these objects.
 */
export const protoLoaderOptions: protoLoader.Options = {
  ...loaderOptions,
  longs: String,
  enums: String,
  includeDirs: [protoRoot, googleProtoRoot],
};

export type DemoProtos = UserProto & RecommendationProto & FaultProto & AggregatorProto & DefenseProto;

export interface LoadedProtos {
  demo: DemoProtos['demo'];
  /** What server reflection serves; see reflectionDescriptors. */
  reflection: protoLoader.PackageDefinition;
}

export function loadProtos(): LoadedProtos {
  const loaded = grpc.loadPackageDefinition(
    protoLoader.loadSync(protoFiles, protoLoaderOptions),
  ) as unknown as DemoProtos;
  return { demo: loaded.demo, reflection: reflectionDescriptors() };
}

/**
 * The descriptors server reflection serves: proto/descriptor-set.binpb, which
 * `buf build` compiles (npm run proto:gen, checked for staleness by lint).
 * proto-loader's own descriptors are synthesized by protobufjs without
 * imports, with relative type names and camelCase field names, so grpcurl
 * cannot resolve a message from another file, such as demo.user.v1.User in
 * GetUserHomeResponse (grpc/grpc-node#3018). @grpc/reflection only reads the
 * `fileDescriptorProtos` of each entry, so one entry carrying every file is
 * enough. The set also holds grpc.health.v1 and grpc.reflection, so grpcurl
 * can call Health/Check by reflection too.
 */
export function reflectionDescriptors(): protoLoader.PackageDefinition {
  const bytes = readFileSync(new URL('descriptor-set.binpb', `file://${protoRoot}`));
  const set = descriptor.FileDescriptorSet.decode(bytes) as unknown as { file: object[] };
  const fileDescriptorProtos = set.file.map((file) =>
    Buffer.from(descriptor.FileDescriptorProto.encode(file).finish()),
  );
  return { 'descriptor-set': { fileDescriptorProtos } } as unknown as protoLoader.PackageDefinition;
}
