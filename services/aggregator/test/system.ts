/**
 * The local system for aggregator tests: real user, two recommendation and
 * one aggregator process on free loopback ports, started the way `make run`
 * starts them.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProtos, mintToken, secretKey, unaryCall, type Role } from '@demo/platform';
import { freePort, startService, type ServiceProcess } from '@demo/platform/testing';
import type { AggregatorServiceClient } from '@demo/platform/generated/demo/aggregator/v1/AggregatorService.js';
import type { GetUserHomeResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/GetUserHomeResponse.js';
import type { UserServiceClient } from '@demo/platform/generated/demo/user/v1/UserService.js';
import type { User__Output } from '@demo/platform/generated/demo/user/v1/User.js';
import type { Fault } from '@demo/platform/generated/demo/fault/v1/Fault.js';

const entry = (service: string) => fileURLToPath(new URL(`../../../${service}/dist/src/main.js`, import.meta.url));
export const testSecret = 'aggregator-test-secret-0123456789abcdef';
export const protos = loadProtos();

export interface LocalSystem {
  user: ServiceProcess;
  recommendations: ServiceProcess[];
  aggregator: ServiceProcess;
  aggregatorClient: AggregatorServiceClient;
  userClient: UserServiceClient;
  stop(): Promise<void>;
}

export async function startLocalSystem(aggregatorEnv: Record<string, string> = {}): Promise<LocalSystem> {
  // Fixed ports for the recommendation replicas so each can name the other as a fault peer.
  const recommendationPorts = [await freePort(), await freePort()];
  const peers = `ipv4:${recommendationPorts.map((port) => `127.0.0.1:${port}`).join(',')}`;
  const recommendation = (port: number, name: string) =>
    startService({
      name,
      entry: entry('recommendation'),
      env: { JWT_SECRET: testSecret, GRPC_PORT: String(port), FAULT_PEERS_TARGET: peers },
    });
  const [user, ...recommendations] = await Promise.all([
    startService({ name: 'user', entry: entry('user') }),
    recommendation(recommendationPorts[0] ?? 0, 'recommendation-a'),
    recommendation(recommendationPorts[1] ?? 0, 'recommendation-b'),
  ]);
  const aggregator = await startService({
    name: 'aggregator',
    entry: entry('aggregator'),
    env: {
      JWT_SECRET: testSecret,
      USER_TARGET: `ipv4:${user.address}`,
      RECOMMENDATION_TARGET: `ipv4:${recommendations.map((r) => r.address).join(',')}`,
      ...aggregatorEnv,
    },
  });
  const aggregatorClient = new protos.demo.aggregator.v1.AggregatorService(
    aggregator.address,
    grpc.credentials.createInsecure(),
  );
  const userClient = new protos.demo.user.v1.UserService(user.address, grpc.credentials.createInsecure());
  return {
    user,
    recommendations,
    aggregator,
    aggregatorClient,
    userClient,
    async stop() {
      aggregatorClient.close();
      userClient.close();
      await Promise.all([aggregator, user, ...recommendations].map((service) => service.stop()));
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
