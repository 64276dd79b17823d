/**
 * The local system for aggregator tests: real user, two recommendation and
 * one aggregator process on free loopback ports, started as `make run`
 * starts them, plus clients and helpers.
 */
import * as grpc from '@grpc/grpc-js';
import { loadProtos, mintToken, secretKey, unaryCall, type Role } from '@demo/platform';
import {
  startLocalSystem as startToolsLocalSystem,
  type LocalSystem as ToolsLocalSystem,
} from '@demo/tools/local-system';
import type { AggregatorServiceClient } from '@demo/platform/generated/demo/aggregator/v1/AggregatorService.js';
import type { GetUserHomeResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/GetUserHomeResponse.js';
import type { UserServiceClient } from '@demo/platform/generated/demo/user/v1/UserService.js';
import type { User__Output } from '@demo/platform/generated/demo/user/v1/User.js';
import type { Fault } from '@demo/platform/generated/demo/fault/v1/Fault.js';

export const testSecret = 'aggregator-test-secret-0123456789abcdef';
export const protos = loadProtos();

export interface LocalSystem extends ToolsLocalSystem {
  aggregatorClient: AggregatorServiceClient;
  userClient: UserServiceClient;
}

export async function startLocalSystem(
  aggregatorEnv: Record<string, string> = {},
  options: { cpus?: string; collectLogs?: boolean } = {},
): Promise<LocalSystem> {
  const system = await startToolsLocalSystem({ jwtSecret: testSecret, env: { aggregator: aggregatorEnv }, ...options });
  const aggregatorClient = new protos.demo.aggregator.v1.AggregatorService(
    system.aggregator.address,
    grpc.credentials.createInsecure(),
  );
  const userClient = new protos.demo.user.v1.UserService(system.user.address, grpc.credentials.createInsecure());
  return {
    ...system,
    aggregatorClient,
    userClient,
    async stop() {
      aggregatorClient.close();
      userClient.close();
      await system.stop();
    },
  };
}

export async function bearer(role: Role = 'user', options: { secret?: string; ttlSeconds?: number } = {}) {
  const token = await mintToken({
    key: secretKey(options.secret ?? testSecret),
    subject: 'test',
    role,
    ttlSeconds: options.ttlSeconds ?? 300,
  });
  return `Bearer ${token}`;
}

export async function createUser(system: LocalSystem, name: string, email: string): Promise<User__Output> {
  const { response } = await unaryCall<{ user: User__Output | null }>(
    (metadata, options, callback) => system.userClient.createUser({ name, email }, metadata, options, callback),
    { deadline: new Date(Date.now() + 5000) },
  );
  if (!response.user) throw new Error('CreateUser answered without a user');
  return response.user;
}

/** Sets a fault through the first recommendation replica (it forwards to the other), with an admin token. */
export async function setFault(system: LocalSystem, fault: Fault): Promise<void> {
  const replica = system.recommendations[0];
  if (!replica) throw new Error('no recommendation replica');
  const client = new protos.demo.fault.v1.FaultService(replica.address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('authorization', await bearer('admin'));
  try {
    const { response } = await unaryCall<{ appliedTo: string[] }>(
      (md, options, callback) => client.setFault({ fault }, md, options, callback),
      { deadline: new Date(Date.now() + 5000), metadata },
    );
    if (response.appliedTo.length !== system.recommendations.length) {
      throw new Error(`the fault reached only ${response.appliedTo.join(', ')}`);
    }
  } finally {
    client.close();
  }
}

export const clearFault = (system: LocalSystem) => setFault(system, {});

export function getUserHome(
  system: LocalSystem,
  request: { userId: string; recommendationLimit?: number },
  options: { authorization?: string; timeoutMs?: number } = {},
) {
  const metadata = new grpc.Metadata();
  if (options.authorization !== undefined) metadata.set('authorization', options.authorization);
  return unaryCall<GetUserHomeResponse__Output>(
    (md, callOptions, callback) => system.aggregatorClient.getUserHome(request, md, callOptions, callback),
    { deadline: new Date(Date.now() + (options.timeoutMs ?? 5000)), metadata },
  );
}
