/**
 * A GrpcServer in the test's own process, serving RecommendationService with
 * handlers the test writes, its log lines captured: what the platform tests
 * of auth, recovery and call outcomes each start from.
 */
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { createMetricsRegistry, type MetricsRegistry } from '../src/metrics.js';
import { loadProtos } from '../src/protos.js';
import { GrpcServer, type GrpcServerOptions } from '../src/server.js';
import type { RecommendationServiceClient } from '../src/generated/demo/recommendation/v1/RecommendationService.js';

export const protos = loadProtos();
export const getRecommendations = '/demo.recommendation.v1.RecommendationService/GetRecommendations';
export const streamRecommendations = '/demo.recommendation.v1.RecommendationService/StreamRecommendations';

/** A logger whose JSON lines land in `lines`. */
export function capturedLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { logger, lines };
}

/** The server, on a free loopback port once started; both RecommendationService methods public unless `auth` says. */
export function inProcessServer(
  options: { logger: Logger; metrics?: MetricsRegistry } & Partial<GrpcServerOptions>,
): GrpcServer {
  return new GrpcServer({
    host: '127.0.0.1',
    port: 0,
    metrics: createMetricsRegistry({ service: 'platform-test' }),
    reflection: protos.reflection,
    auth: { policy: { [getRecommendations]: 'public', [streamRecommendations]: 'public' } },
    maxConnectionAgeMs: 60_000,
    handshakeTimeoutMs: 10_000,
    keepaliveTimeMs: 60_000,
    keepaliveTimeoutMs: 20_000,
    shutdownDelayMs: 0,
    shutdownGraceMs: 2_000,
    ...options,
  });
}

export function recommendationClient(server: GrpcServer): RecommendationServiceClient {
  return new protos.demo.recommendation.v1.RecommendationService(
    `127.0.0.1:${server.port}`,
    grpc.credentials.createInsecure(),
  );
}
