// The typed clients against a real server in this process: the bearer
// header they send, the outcome every GetUserHome ends in (however it ends),
// and the fault message mapped both ways.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mintToken, secretKey } from '../src/auth.js';
import { faultClient } from '../src/clients/fault-client.js';
import { homeClient } from '../src/clients/home-client.js';
import type { GetUserHomeRequest__Output } from '../src/generated/demo/aggregator/v1/GetUserHomeRequest.js';
import type { SetFaultRequest__Output } from '../src/generated/demo/fault/v1/SetFaultRequest.js';
import { capturedLogger, inProcessServer, protos } from './in-process-server.js';

const key = secretKey('clients-test-secret-0123456789abcdef0123');
const server = inProcessServer({
  logger: capturedLogger().logger,
  auth: {
    policy: {
      '/demo.aggregator.v1.AggregatorService/GetUserHome': 'user',
      '/demo.fault.v1.FaultService/GetFault': 'user',
      '/demo.fault.v1.FaultService/SetFault': 'admin',
      '/demo.fault.v1.FaultService/ClearFault': 'admin',
    },
    key,
  },
});
const user = { id: '7', name: 'Ada', email: 'ada@example.com', status: 'USER_STATUS_ACTIVE', createTime: null };
/** What each GetUserHome saw: its request and its metadata. */
const seen: { request: GetUserHomeRequest__Output; headers: Record<string, unknown> }[] = [];
const faultsSet: SetFaultRequest__Output[] = [];

// User 1 is answered, user 2 degraded, user 3 never (until the call ends).
server.addService(protos.demo.aggregator.v1.AggregatorService.service, {
  GetUserHome: server.rpc.unary(async (request: GetUserHomeRequest__Output, ctx) => {
    seen.push({ request, headers: ctx.metadata.getMap() });
    if (request.userId === '3') {
      await once(ctx.signal, 'abort');
      throw new Error('the call is over');
    }
    const degraded = request.userId === '2';
    return {
      user,
      recommendations: [],
      degraded,
      degradations: degraded ? [{ dependency: 'recommendation', reason: 'CIRCUIT_OPEN: the circuit is open' }] : [],
      servedBy: { user: 'user-a' },
    };
  }),
});
server.addService(protos.demo.fault.v1.FaultService.service, {
  SetFault: server.rpc.unary(async (request: SetFaultRequest__Output) => {
    faultsSet.push(request);
    return { fault: request.fault, appliedTo: ['replica-a', 'replica-b'] };
  }),
  GetFault: server.rpc.unary(async () => ({
    fault: { delay: { delayMs: 250, percentage: 40 }, abort: null },
    replica: 'replica-a',
    updateTime: { seconds: '1700000000', nanos: 5_000_000 },
    updateOrigin: 'replica-b',
  })),
  ClearFault: server.rpc.unary(async () => ({ appliedTo: ['replica-a'] })),
});

let target: string;
let userToken: string;
before(async () => {
  await server.start();
  target = `127.0.0.1:${server.port}`;
  userToken = await mintToken({ key, subject: 'clients-test', role: 'user', ttlSeconds: 60 });
});
after(() => server.shutdown());

test('an answer is ok or degraded (with why), and the token arrives as one authorization: Bearer header', async () => {
  const home = homeClient(target, { token: userToken, protos });
  try {
    const ok = await home.home(1, { recommendationLimit: 3 });
    assert.equal(ok.outcome, 'ok');
    assert.equal(ok.answer?.user?.name, 'Ada');
    assert.deepEqual(seen.at(-1)?.request, { userId: '1', recommendationLimit: 3 });
    assert.equal(seen.at(-1)?.headers['authorization'], `Bearer ${userToken}`);

    const degraded = await home.home('2');
    assert.equal(degraded.outcome, 'degraded');
    assert.equal(degraded.reason, 'CIRCUIT_OPEN: the circuit is open');
  } finally {
    home.close();
  }
});

test('every failure is error:<STATUS>, never a rejection: no token, a caller that gives up, a server that never answers, nobody there, a token that cannot be had', async () => {
  const anonymous = homeClient(target, { protos });
  const slow = homeClient(target, { token: userToken, deadlineMs: 200, protos });
  const failingToken = homeClient(target, { token: () => Promise.reject(new Error('no key')), protos });
  // A port nothing listens on: bound, then closed.
  const vacant = createServer().listen(0, '127.0.0.1');
  await once(vacant, 'listening');
  const port = (vacant.address() as { port: number }).port;
  vacant.close();
  const nobody = homeClient(`127.0.0.1:${port}`, { token: userToken, protos });
  try {
    const refused = await anonymous.home(1);
    assert.equal(refused.outcome, 'error:UNAUTHENTICATED');
    assert.match(refused.reason ?? '', /bearer token/);

    const started = performance.now();
    assert.equal((await slow.home(3)).outcome, 'error:DEADLINE_EXCEEDED');
    assert.ok(performance.now() - started < 2000, 'ended by its deadline');

    const caller = new AbortController();
    const pending = slow.home(3, { deadlineMs: 10_000, signal: caller.signal });
    caller.abort();
    assert.equal((await pending).outcome, 'error:CANCELLED');

    assert.equal((await nobody.home(1)).outcome, 'error:UNAVAILABLE');
    const noToken = await failingToken.home(1);
    assert.equal(noToken.outcome, 'error:CLIENT');
    assert.match(noToken.reason ?? '', /no key/);
  } finally {
    for (const client of [anonymous, slow, failingToken, nobody]) client.close();
  }
});

test('a call may carry its own token and headers', async () => {
  const home = homeClient(target, { token: 'not-used', protos });
  try {
    const call = await home.home(1, { token: userToken, headers: { 'x-request-tag': 'tagged' } });
    assert.equal(call.outcome, 'ok');
    assert.equal(seen.at(-1)?.headers['x-request-tag'], 'tagged');
  } finally {
    home.close();
  }
});

test('a fault goes out as the message and comes back checked; a reading carries its replica and version', async () => {
  const admin = await mintToken({ key, subject: 'clients-test', role: 'admin', ttlSeconds: 60 });
  const faults = faultClient(target, { token: admin, protos });
  try {
    const set = await faults.set({ abort: { grpcCode: 14, percentage: 50 } });
    assert.deepEqual(faultsSet.at(-1)?.fault, { delay: null, abort: { grpcCode: 14, percentage: 50 } });
    assert.deepEqual(set, {
      fault: { abort: { grpcCode: 14, percentage: 50 } },
      appliedTo: ['replica-a', 'replica-b'],
    });
    assert.deepEqual(await faults.get(), {
      fault: { delay: { delayMs: 250, percentage: 40 } },
      replica: 'replica-a',
      version: { atMs: 1_700_000_000_005, origin: 'replica-b' },
    });
    assert.deepEqual(await faults.clear(), { appliedTo: ['replica-a'] });
    // The user role may read, not change: the server's refusal comes back as it is.
    const reader = faultClient(target, { token: userToken, protos });
    try {
      await assert.rejects(reader.clear(), { code: 7 });
    } finally {
      reader.close();
    }
  } finally {
    faults.close();
  }
});
