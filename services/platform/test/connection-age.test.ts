import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createClient, unaryCall } from '../src/client.js';
import type { RecommendationServiceClient } from '../src/generated/demo/recommendation/v1/RecommendationService.js';
import { capturedLogger, inProcessServer, protos } from './in-process-server.js';

// The server closes every connection after 200 ms (MAX_CONNECTION_AGE_MS):
// a GOAWAY, then the connection drains. Calls race each GOAWAY all the time.
const { logger } = capturedLogger();
const server = inProcessServer({ logger, maxConnectionAgeMs: 200 });
/** Every client address (one per connection) a call came in on. */
const peers = new Set<string>();
server.addService(protos.demo.recommendation.v1.RecommendationService.service, {
  GetRecommendations: server.rpc.unary((_request: { userId: string }, ctx) => {
    peers.add(ctx.peer);
    return Promise.resolve({ recommendations: [] });
  }),
  StreamRecommendations: server.rpc.bidiStream(async () => undefined),
});
let client: RecommendationServiceClient;

before(async () => {
  await server.start();
  // The platform's own channel options, and no retry policy: only what
  // grpc-js does by itself on a GOAWAY.
  client = createClient(protos.demo.recommendation.v1.RecommendationService, `ipv4:127.0.0.1:${server.port}`);
});

after(async () => {
  client.close();
  await server.shutdown();
});

test('calls racing connection-age GOAWAYs are all answered by a client on the platform channel options', async () => {
  // Until eight connections have served calls (seven GOAWAYs raced), at most 20,000 calls or 30 s.
  const connections = 8;
  const maxCalls = 20_000;
  const concurrency = 32;
  const stopAt = Date.now() + 30_000;
  let sent = 0;
  const failures = new Map<string, number>();
  const worker = async () => {
    while (peers.size < connections && sent < maxCalls && Date.now() < stopAt) {
      sent++;
      try {
        await unaryCall(
          (md, options, callback) => client.getRecommendations({ userId: '1', limit: 1 }, md, options, callback),
          {
            deadline: new Date(Date.now() + 5000),
          },
        );
      } catch (error) {
        const { code, details } = error as grpc.ServiceError;
        const key = `${grpc.status[code]}: ${details}`;
        failures.set(key, (failures.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  assert.ok(peers.size >= connections, `${peers.size} connections served ${sent} calls`);
  assert.deepEqual(Object.fromEntries(failures), {}, `failed calls of ${sent}, by status`);
});
