import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buckets, histogramQuantile, parsePrometheusText, sum } from '../src/prometheus-text.js';

test('a sample with an exemplar keeps its own value and labels, not the exemplar’s', () => {
  const samples = parsePrometheusText(
    [
      '# TYPE grpc_server_handling_seconds histogram',
      'grpc_server_handling_seconds_bucket{le="0.005",grpc_method="GetUserHome"} 7 # {trace_id="abc",span_id="def"} 0.0042 1733000000.123',
      'grpc_server_handling_seconds_bucket{le="+Inf",grpc_method="GetUserHome"} 9',
      'aggregator_degraded_responses_total{service="aggregator",reason="a \\"quoted\\" }"} 3',
    ].join('\n'),
  );
  assert.deepEqual(samples[0], {
    name: 'grpc_server_handling_seconds_bucket',
    labels: { le: '0.005', grpc_method: 'GetUserHome' },
    value: 7,
  });
  assert.equal(sum(samples, 'aggregator_degraded_responses_total', { reason: 'a "quoted" }' }), 3);
  assert.deepEqual(
    [...buckets(samples, 'grpc_server_handling_seconds')],
    [
      [0.005, 7],
      [Infinity, 9],
    ],
  );
});

test('quantiles of the calls between two scrapes interpolate inside their bucket, as Prometheus does', () => {
  const bounds = [0.1, 0.25, 0.5, Infinity];
  const before = new Map(bounds.map((le) => [le, 10]));
  // 100 calls between the scrapes, every one between 250 and 500 ms.
  const after = new Map(bounds.map((le) => [le, le >= 0.5 ? 110 : 10]));
  assert.equal(histogramQuantile(0.5, before, after), 0.375);
  assert.equal(histogramQuantile(0.99, before, after), 0.4975);
  assert.equal(histogramQuantile(0.5, before, before), undefined, 'nothing observed');
});
