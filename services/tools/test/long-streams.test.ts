// Streams outlive the connections they started on: a server that ages its
// connections every half second and pings every second must keep a watch and
// a bidirectional stream from grpcurl, Python grpcio and grpc-js open, with
// messages flowing, through several keepalive rounds on each aged connection.
// (grpc-js used to destroy an aged connection at its next keepalive ping, so
// every stream on it died one keepalive interval after the age: 60 s with the
// defaults. `make soak` holds them for minutes with the real settings.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLongStreams, streamProblem } from '../src/soak/long-streams.js';

const connectionAgeMs = 500;
const keepaliveTimeMs = 1000;
const keepaliveTimeoutMs = 1000;
// Past the age, then four keepalive rounds (a ping and its timeout) on the aged connection.
const durationMs = connectionAgeMs * 1.1 + 4 * (keepaliveTimeMs + keepaliveTimeoutMs);

test('a watch and a bidirectional stream from grpcurl, grpcio and grpc-js, and a watch over REST, stay open through keepalive on aged connections', async () => {
  const run = await runLongStreams({
    durationMs,
    serverEnv: {
      MAX_CONNECTION_AGE_MS: String(connectionAgeMs),
      KEEPALIVE_TIME_MS: String(keepaliveTimeMs),
      KEEPALIVE_TIMEOUT_MS: String(keepaliveTimeoutMs),
    },
    // The grpc-js clients ping as often as the servers, so their keepalive runs on the aged connections too.
    clientKeepaliveMs: keepaliveTimeMs,
  });
  assert.equal(run.outcomes.length, 7);
  const problems = run.outcomes
    .map((outcome) => streamProblem(run, outcome, keepaliveTimeMs + keepaliveTimeoutMs))
    .filter(Boolean);
  assert.deepEqual(
    problems,
    [],
    JSON.stringify(run.outcomes.map((outcome) => ({ ...outcome, emails: outcome.emails.length }))),
  );
});
