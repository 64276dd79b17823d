// Authorization is deny by default, and only one well-formed, short-lived
// token gets a call through: a real server in this process, real calls.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { SignJWT, type JWTPayload } from 'jose';
import { maxClockSkewSeconds, maxTokenLifetimeSeconds, mintToken, secretKey } from '../src/auth.js';
import { unaryCall } from '../src/client.js';
import type { GrpcServer, GrpcServerOptions } from '../src/server.js';
import { checkHealth } from '@demo/testkit/processes';
import { waitFor } from '@demo/testkit/wait';
import type { RecommendationServiceClient } from '../src/generated/demo/recommendation/v1/RecommendationService.js';
import {
  capturedLogger,
  getRecommendations,
  inProcessServer,
  protos,
  recommendationClient,
  streamRecommendations,
} from './in-process-server.js';

const secret = 'a-test-secret-of-at-least-32-characters';
const key = secretKey(secret);
const { logger, lines: logLines } = capturedLogger();

function testServer(auth: GrpcServerOptions['auth']): GrpcServer {
  const server = inProcessServer({ logger, auth });
  server.addService(protos.demo.recommendation.v1.RecommendationService.service, {
    GetRecommendations: server.rpc.unary(async () => ({ recommendations: [], servedBy: server.replica })),
    StreamRecommendations: server.rpc.bidiStream(async () => undefined),
  });
  return server;
}

describe('a server whose auth policy leaves a method out', () => {
  test('refuses to start and names the method', async () => {
    const server = testServer({ policy: { [getRecommendations]: 'user' }, key });
    await assert.rejects(server.start(), (error: Error) => {
      assert.match(
        error.message,
        /no auth policy for \/demo\.recommendation\.v1\.RecommendationService\/StreamRecommendations/,
      );
      assert.doesNotMatch(error.message, /GetRecommendations|grpc\.health|reflection/);
      return true;
    });
  });

  test('that names a role but has no key to verify tokens refuses to start', async () => {
    const server = testServer({ policy: { [getRecommendations]: 'user', [streamRecommendations]: 'public' } });
    await assert.rejects(server.start(), /names roles but no key/);
  });
});

describe('a server whose every method needs a token', () => {
  const server = testServer({ policy: { [getRecommendations]: 'user', [streamRecommendations]: 'admin' }, key });
  let client: RecommendationServiceClient;
  before(async () => {
    await server.start();
    client = recommendationClient(server);
  });
  after(async () => {
    client.close();
    await server.shutdown();
  });

  /** GetRecommendations with these authorization headers, in order. */
  const callWith = (...authorizations: string[]) => {
    const metadata = new grpc.Metadata();
    for (const authorization of authorizations) metadata.add('authorization', authorization);
    return unaryCall<{ servedBy: string }>(
      (md, options, callback) => client.getRecommendations({ userId: '1' }, md, options, callback),
      { deadline: new Date(Date.now() + 5000), metadata },
    );
  };
  const now = () => Math.floor(Date.now() / 1000);
  const signed = (payload: JWTPayload, options: { alg?: string; secret?: string } = {}) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
      .sign(options.alg === 'HS512' ? secretKey(`${secret}${secret}`) : secretKey(options.secret ?? secret));
  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  test('health and reflection answer without a token', async () => {
    assert.equal(await checkHealth(`127.0.0.1:${server.port}`), 'SERVING');
    assert.deepEqual(await listServices(`127.0.0.1:${server.port}`), [
      'demo.recommendation.v1.RecommendationService',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ]);
  });

  test('a valid token of the right role, living up to the limit, is let through', async () => {
    const token = await mintToken({ key, subject: 'test', role: 'user', ttlSeconds: maxTokenLifetimeSeconds });
    const { response } = await callWith(`Bearer ${token}`);
    assert.equal(response.servedBy, `127.0.0.1:${server.port}`);
  });

  test('a token issued a little in the future passes (clock skew); one issued an hour ahead is UNAUTHENTICATED, saying why', async () => {
    const skewed = await signed({ sub: 'test', role: 'user', iat: now() + maxClockSkewSeconds - 10, exp: now() + 600 });
    await callWith(`Bearer ${skewed}`);
    const ahead = await signed({ sub: 'test', role: 'user', iat: now() + 3600, exp: now() + 3660 });
    await assert.rejects(callWith(`Bearer ${ahead}`), {
      code: grpc.status.UNAUTHENTICATED,
      details: /token issued 36\d\d s in the future \(at most 60 s of clock skew\)/,
    });
  });

  test('two authorization headers are UNAUTHENTICATED, even when the first is valid', async () => {
    // grpc-js will not send two; an attacker's client, or a proxy adding its own, will.
    const valid = `Bearer ${await mintToken({ key, subject: 'test', role: 'admin', ttlSeconds: 60 })}`;
    const address = `127.0.0.1:${server.port}`;
    const outcomes: unknown[] = [];
    for (const authorizations of [[valid], [valid, 'Bearer forged'], [valid, valid]]) {
      const logged = logLines.length;
      const socket = await rawCallWithAuthorizations(address, getRecommendations, authorizations);
      const line = await waitFor('the call to be logged', () =>
        logLines.slice(logged).find((entry) => entry['msg'] === 'call finished'),
      );
      socket.destroy();
      outcomes.push(line['code']);
    }
    assert.deepEqual(outcomes, ['OK', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
  });

  test('every malformed, forged, unbounded or overlong token is UNAUTHENTICATED', async () => {
    const good = { sub: 'test', role: 'user', iat: now(), exp: now() + 60 };
    const goodToken = await signed(good);
    const [header, payload, signature] = goodToken.split('.');
    const forms: Record<string, string[]> = {
      'no header': [],
      'an empty header': [''],
      'Bearer alone': ['Bearer'],
      'Bearer and a space': ['Bearer '],
      'another scheme': [`Basic ${goodToken}`],
      'a token and more': [`Bearer ${goodToken} more`],
      'not a JWT': ['Bearer not-a-jwt'],
      'two parts': [`Bearer ${header ?? ''}.${payload ?? ''}`],
      'an empty signature': [`Bearer ${header ?? ''}.${payload ?? ''}.`],
      'a header that is not JSON': [
        `Bearer ${Buffer.from('{').toString('base64url')}.${payload ?? ''}.${signature ?? ''}`,
      ],
      'a payload that is not JSON': [
        `Bearer ${header ?? ''}.${Buffer.from('nope').toString('base64url')}.${signature ?? ''}`,
      ],
      'a payload changed after signing': [
        `Bearer ${header ?? ''}.${base64url({ ...good, role: 'admin' })}.${signature ?? ''}`,
      ],
      'alg none': [`Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${payload ?? ''}.`],
      'another algorithm': [`Bearer ${await signed(good, { alg: 'HS512' })}`],
      'another secret': [`Bearer ${await signed(good, { secret: 'another-secret-of-at-least-32-characters' })}`],
      'no expiry': [`Bearer ${await signed({ sub: 'test', role: 'user', iat: now() })}`],
      expired: [`Bearer ${await signed({ ...good, iat: now() - 120, exp: now() - 60 })}`],
      'not valid yet': [`Bearer ${await signed({ ...good, nbf: now() + 3600 })}`],
      'a lifetime over the limit': [`Bearer ${await signed({ ...good, exp: now() + maxTokenLifetimeSeconds + 60 })}`],
      'an expiry past the limit and no iat': [
        `Bearer ${await signed({ sub: 'test', role: 'user', exp: now() + maxTokenLifetimeSeconds + 60 })}`,
      ],
      'issued long ago, expiring soon': [
        `Bearer ${await signed({ ...good, iat: now() - 2 * maxTokenLifetimeSeconds })}`,
      ],
      'issued an hour in the future': [`Bearer ${await signed({ ...good, iat: now() + 3600, exp: now() + 3660 })}`],
      'issued just past the clock skew': [
        `Bearer ${await signed({ ...good, iat: now() + maxClockSkewSeconds + 5, exp: now() + 3600 })}`,
      ],
      'an expiry a century away': [`Bearer ${await signed({ ...good, exp: now() + 100 * 365 * 24 * 3600 })}`],
      'an expiry that is not a number': [`Bearer ${await signed({ ...good, exp: 'tomorrow' as unknown as number })}`],
      'no subject': [`Bearer ${await signed({ role: 'user', iat: now(), exp: now() + 60 })}`],
      'an empty subject': [`Bearer ${await signed({ ...good, sub: '' })}`],
      'no role': [`Bearer ${await signed({ sub: 'test', iat: now(), exp: now() + 60 })}`],
      'an unknown role': [`Bearer ${await signed({ ...good, role: 'root' })}`],
    };
    for (const [form, authorizations] of Object.entries(forms)) {
      await assert.rejects(callWith(...authorizations), { code: grpc.status.UNAUTHENTICATED }, form);
    }
    // The server is still fine after all of them.
    await callWith(`Bearer ${goodToken}`);
  });
});

/**
 * Sends, on a raw TCP connection, what grpc-js and Node's HTTP/2 client
 * refuse to send: one unary call (an empty request) with each of these
 * authorization headers. HPACK literals without indexing need no encoder
 * state. The answer is read from the server's log line, not decoded here.
 */
async function rawCallWithAuthorizations(address: string, path: string, authorizations: string[]): Promise<Socket> {
  const integer = (value: number): number[] => {
    if (value < 127) return [value];
    const bytes = [127];
    for (value -= 127; value >= 128; value >>= 7) bytes.push((value & 127) | 128);
    return [...bytes, value];
  };
  const literal = (name: string, value: string) =>
    Buffer.from([0, ...integer(name.length), ...Buffer.from(name), ...integer(value.length), ...Buffer.from(value)]);
  const frame = (type: number, flags: number, payload: Buffer) => {
    const header = Buffer.alloc(9);
    header.writeUIntBE(payload.length, 0, 3);
    header.writeUInt8(type, 3);
    header.writeUInt8(flags, 4);
    header.writeUInt32BE(type === 4 ? 0 : 1, 5);
    return Buffer.concat([header, payload]);
  };
  const headers = Buffer.concat([
    literal(':method', 'POST'),
    literal(':scheme', 'http'),
    literal(':path', path),
    literal(':authority', address),
    literal('content-type', 'application/grpc'),
    literal('te', 'trailers'),
    ...authorizations.map((authorization) => literal('authorization', authorization)),
  ]);
  const [host, port] = address.split(':');
  const socket = connect(Number(port), host ?? '127.0.0.1');
  socket.on('data', () => undefined);
  socket.write(
    Buffer.concat([
      Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
      frame(4, 0, Buffer.alloc(0)), // SETTINGS
      frame(1, 4, headers), // HEADERS, END_HEADERS
      frame(0, 1, Buffer.alloc(5)), // DATA, END_STREAM: an empty message
    ]),
  );
  await once(socket, 'connect');
  return socket;
}

/** Lists services over grpc.reflection.v1, with no token. */
async function listServices(address: string): Promise<string[]> {
  const require = createRequire(import.meta.url);
  const protoFile = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
  const definition = protoLoader.loadSync(protoFile, { keepCase: true });
  const { ServerReflection } = (
    grpc.loadPackageDefinition(definition) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
    }
  ).grpc.reflection.v1;
  const client = new ServerReflection(address, grpc.credentials.createInsecure());
  try {
    const stream = (
      client as unknown as {
        ServerReflectionInfo(options: grpc.CallOptions): grpc.ClientDuplexStream<unknown, unknown>;
      }
    ).ServerReflectionInfo({ deadline: Date.now() + 5000 });
    const answer = new Promise<{ list_services_response?: { service: { name: string }[] } }>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
    });
    stream.write({ list_services: '' });
    const response = await answer;
    stream.end();
    return (response.list_services_response?.service ?? []).map((service) => service.name).sort();
  } finally {
    client.close();
  }
}
