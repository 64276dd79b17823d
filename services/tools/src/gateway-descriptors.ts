/**
 * Methods as the gateway's descriptor set describes them (the descriptors
 * Envoy's transcoder reads), for connect's transports, which the gateway
 * tests and the bench call the gateway with: read by @bufbuild/protobuf, so
 * there is no second code generator and no second set of generated files.
 */
import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary, type DescMethodUnary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { descriptorSetPath } from '@demo/gateway';

let registry: FileRegistry | undefined;

/** A unary method of the descriptor set, read once: unaryMethod('grpc.health.v1.Health', 'check'). */
export function unaryMethod(service: string, name: string): DescMethodUnary {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath)));
  const method = registry.getService(service)?.method[name];
  if (method?.methodKind !== 'unary')
    throw new Error(`${service}.${name} is not a unary method in ${descriptorSetPath}`);
  // DescMethod is one interface for every kind: the check above is what makes it unary.
  return method as DescMethodUnary;
}

/** AggregatorService.GetUserHome. */
export const getUserHomeMethod = () => unaryMethod('demo.aggregator.v1.AggregatorService', 'getUserHome');
