// The gateway samples as the services' OpenTelemetry SDK does, from the same
// variables: a caller's sampled flag decides when it sent a traceparent
// (parentbased_*), the ratio decides for a new trace. A real Envoy, the
// project's OTLP receiver, and requests Envoy answers itself (/healthz), so
// no service is needed.
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, tracingFromEnv, type GatewayProcess } from '@demo/gateway';
import { freePort, waitFor } from '@demo/platform/testing';
import { startOtlpReceiver, type OtlpReceiver } from '../src/otlp-receiver.js';

let receiver: OtlpReceiver;
const gateways: GatewayProcess[] = [];

before(async () => {
  receiver = await startOtlpReceiver();
});

after(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await receiver.stop();
});

/** A gateway tracing to the receiver with these OTEL_TRACES_SAMPLER(_ARG) values; nothing behind it. */
async function tracedGateway(sampler: string, ratio: string): Promise<GatewayProcess> {
  const nowhere = `127.0.0.1:${await freePort()}`;
  const gateway = await startGateway({
    listen: { host: '127.0.0.1', port: await freePort() },
    admin: { host: '127.0.0.1', port: await freePort() },
    upstreams: { aggregator: [nowhere], user: [nowhere], recommendation: [nowhere] },
    jwtSecret: 'sampling-test-secret-0123456789abcdef0123456789',
    tracing: tracingFromEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_TRACES_SAMPLER: sampler,
      OTEL_TRACES_SAMPLER_ARG: ratio,
    }),
  });
  gateways.push(gateway);
  return gateway;
}

/** This test's requests, told from startGateway's own /healthz polls by their query. */
const probe = `probe=${process.pid}`;

/** GET /healthz in a trace of its own, or as the child of a caller's span with the given sampled flag. */
async function healthz(gateway: GatewayProcess, parent?: { sampled: boolean }): Promise<string | undefined> {
  const traceId = parent ? randomBytes(16).toString('hex') : undefined;
  const headers: Record<string, string> = parent
    ? { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-${parent.sampled ? '01' : '00'}` }
    : {};
  assert.equal((await fetch(`http://${gateway.address}/healthz?${probe}`, { headers })).status, 200);
  return traceId;
}

const gatewaySpans = () =>
  receiver.spans.filter((span) => span.service === 'gateway' && String(span.attributes['http.url']).endsWith(probe));

test('parentbased_traceidratio at 0: a new trace is dropped, a sampled caller is followed, an unsampled one is not', async () => {
  const gateway = await tracedGateway('parentbased_traceidratio', '0');
  const before = gatewaySpans().length;
  await healthz(gateway);
  const unsampled = await healthz(gateway, { sampled: false });
  const sampled = await healthz(gateway, { sampled: true });
  // Spans leave in the order they end: once the sampled one is in, the others would be too.
  await waitFor(
    'the sampled caller’s span',
    () => (gatewaySpans().some((s) => s.traceId === sampled) ? true : undefined),
    20_000,
  );
  const kept = gatewaySpans().slice(before);
  assert.deepEqual(
    kept.map((span) => span.traceId),
    [sampled],
    `only the sampled caller's trace is kept, not ${unsampled} nor a new one`,
  );
});

test('parentbased_traceidratio at 1: every new trace is kept, and a caller’s decision not to sample is kept too', async () => {
  const gateway = await tracedGateway('parentbased_traceidratio', '1');
  const before = gatewaySpans().length;
  const unsampled = await healthz(gateway, { sampled: false });
  await healthz(gateway);
  await waitFor('the new trace’s span', () => (gatewaySpans().length > before ? true : undefined), 20_000);
  const kept = gatewaySpans().slice(before);
  assert.equal(kept.length, 1, 'one span');
  assert.notEqual(kept[0]?.traceId, unsampled);
  assert.equal(kept[0]?.parentSpanId, '', 'a root span');
});
