import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tracingFromEnv } from '../src/index.js';

test('no OTLP endpoint, or the SDK switched off: no tracing, as for the services', () => {
  assert.equal(tracingFromEnv({}), undefined);
  assert.equal(
    tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_SDK_DISABLED: 'true' }),
    undefined,
  );
});

test("the services' default sampler (parentbased_always_on), and the chart's parentbased_traceidratio", () => {
  assert.deepEqual(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger-collector:4317' }), {
    collector: { host: 'jaeger-collector', port: 4317 },
    serviceName: 'gateway',
    ratio: 1,
    parentBased: true,
  });
  const chart = tracingFromEnv({
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:14317',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.1',
  });
  assert.deepEqual([chart?.collector.port, chart?.ratio, chart?.parentBased], [14317, 0.1, true]);
  assert.deepEqual(
    [tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:1', OTEL_TRACES_SAMPLER: 'always_off' })?.ratio],
    [0],
  );
});

test('a bad value stops the start with one line naming the variable', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' };
  assert.throws(
    () => tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }),
    /^Error: OTEL_EXPORTER_OTLP_ENDPOINT: /,
  );
  assert.throws(
    () => tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317' }),
    /^Error: OTEL_EXPORTER_OTLP_ENDPOINT: /,
  );
  assert.throws(
    () => tracingFromEnv({ ...endpoint, OTEL_TRACES_SAMPLER: 'sometimes' }),
    /^Error: OTEL_TRACES_SAMPLER: /,
  );
  for (const ratio of ['1.5', '-0.1', 'half']) {
    assert.throws(
      () => tracingFromEnv({ ...endpoint, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: ratio }),
      /^Error: OTEL_TRACES_SAMPLER_ARG: /,
    );
  }
});
