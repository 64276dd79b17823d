/**
 * The local system for aggregator tests: real user, two recommendation and
 * one aggregator process on free loopback ports, started the way `make run`
 * starts them.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProtos, mintToken, secretKey, unaryCall, type Role } from '@demo/platform';
import { startService, type ServiceProcess } from '@demo/platform/testing';
import type { AggregatorServiceClient } from '@demo/platform/generated/demo/aggregator/v1/AggregatorService.js';
import type { GetUserHomeResponse__Output } from '@demo/platform/generated/demo/aggregator/v1/GetUserHomeResponse.js';
import type { UserServiceClient } from '@demo/platform/generated/demo/user/v1/UserService.js';
import type { User__Output } from '@demo/platform/generated/demo/user/v1/User.js';

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
  const [user, ...recommendations] = await Promise.all([
    startService({ name: 'user', entry: entry('user') }),
    startService({ name: 'recommendation-a', entry: entry('recommendation'), env: { JWT_SECRET: testSecret } }),
    startService({ name: 'recommendation-b', entry: entry('recommendation'), env: { JWT_SECRET: testSecret } }),
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
