/**
 * The local system for aggregator tests: real user, two recommendation and
 * one aggregator process on free loopback ports, started as `make run`
 * starts them, plus clients and helpers.
 */
import * as grpc from '@grpc/grpc-js';
import {
  faultClient,
  homeClient,
  loadProtos,
  mintToken,
  secretKey,
  unaryCall,
  type Fault,
  type HomeClient,
  type Role,
} from '@demo/platform';
import {
  startLocalSystem as startToolsLocalSystem,
  type LocalSystem as ToolsLocalSystem,
} from '@demo/testkit/local-system';
import type { UserServiceClient } from '@demo/platform/generated/demo/user/v1/UserService.js';
import type { User__Output } from '@demo/platform/generated/demo/user/v1/User.js';

export const testSecret = 'aggregator-test-secret-0123456789abcdef';
export const protos = loadProtos();

export interface LocalSystem extends ToolsLocalSystem {
  /** GetUserHome at the aggregator; each call names its token. */
  home: HomeClient;
  userClient: UserServiceClient;
}

export async function startLocalSystem(
  aggregatorEnv: Record<string, string> = {},
  options: { cpus?: string; collectLogs?: boolean } = {},
): Promise<LocalSystem> {
  const system = await startToolsLocalSystem({ jwtSecret: testSecret, env: { aggregator: aggregatorEnv }, ...options });
  const home = homeClient(system.aggregator.address, { protos, deadlineMs: 5000 });
  const userClient = new protos.demo.user.v1.UserService(system.user.address, grpc.credentials.createInsecure());
  return {
    ...system,
    home,
    userClient,
    async stop() {
      home.close();
      userClient.close();
      await system.stop();
    },
  };
}

export function testToken(role: Role = 'user', options: { secret?: string; ttlSeconds?: number } = {}) {
  return mintToken({
    key: secretKey(options.secret ?? testSecret),
    subject: 'test',
    role,
    ttlSeconds: options.ttlSeconds ?? 300,
  });
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
  const faults = faultClient(replica.address, { token: await testToken('admin'), protos });
  try {
    const { appliedTo } = await faults.set(fault);
    if (appliedTo.length !== system.recommendations.length) {
      throw new Error(`the fault reached only ${appliedTo.join(', ')}`);
    }
  } finally {
    faults.close();
  }
}

export const clearFault = (system: LocalSystem) => setFault(system, {});

/**
 * GetUserHome through the platform's homeClient, as the tests assert on it:
 * the answer, or a rejection with the call's status. `headers` is for the
 * tests whose point is a malformed authorization header; they build it by hand.
 */
export async function getUserHome(
  system: LocalSystem,
  request: { userId: string; recommendationLimit?: number },
  options: { token?: string; timeoutMs?: number; headers?: Record<string, string> } = {},
) {
  const call = await system.home.home(request.userId, {
    ...(request.recommendationLimit === undefined ? {} : { recommendationLimit: request.recommendationLimit }),
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs }),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  if (!call.answer) throw call.error;
  return { response: call.answer };
}
