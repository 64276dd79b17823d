/**
 * The Prometheus text format (or OpenMetrics, which the services serve), as
 * the control room and the tests read a /metrics page: one parser, exported
 * as @demo/platform/prometheus-text.
 */

/** One sample of the Prometheus text format (or OpenMetrics, which the services serve). */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** name{labels} value: the labels end at the first } outside quotes, before any exemplar (`# {trace_id=...} ...`). */
const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?\s+(\S+)/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the samples of a /metrics page; comments, exemplars and timestamps are dropped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = sampleLine.exec(line);
    if (!match) continue;
    const [, name = '', labelText = '', valueText = ''] = match;
    const labels: Record<string, string> = {};
    for (const pair of labelText.matchAll(labelPair)) {
      labels[pair[1] ?? ''] = (pair[2] ?? '').replace(/\\(.)/g, (_all, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = Number(valueText);
    if (!Number.isNaN(value) || valueText === 'NaN') samples.push({ name, labels, value });
  }
  return samples;
}

/** The sum of every sample of `name` whose labels include `labels`. */
export function sum(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const sample of samples) {
    if (sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) {
      total += sample.value;
    }
  }
  return total;
}

/** Sums of `name` grouped by one label's value. */
export function sumBy(
  samples: readonly Sample[],
  name: string,
  label: string,
  labels: Record<string, string> = {},
): Map<string, number> {
  const groups = new Map<string, number>();
  for (const sample of samples) {
    if (sample.name !== name || !Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) continue;
    const key = sample.labels[label] ?? '';
    groups.set(key, (groups.get(key) ?? 0) + sample.value);
  }
  return groups;
}

/**
 * The q-quantile (0 to 1) of the observations between two scrapes of a
 * histogram, as Prometheus's histogram_quantile estimates it: linear
 * interpolation inside the bucket where the rank falls. `before` and `after`
 * map each bucket's upper bound (`le`) to its cumulative count. undefined
 * when nothing was observed.
 */
export function histogramQuantile(
  q: number,
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => Math.max(0, (after.get(le) ?? 0) - (before.get(le) ?? 0)));
  const total = counts.at(-1) ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [index, le] of bounds.entries()) {
    const count = counts[index] ?? 0;
    if (count >= rank) {
      // Above the last finite bound the answer is that bound, as Prometheus says.
      if (le === Infinity) return lower;
      return lower + ((le - lower) * (rank - below)) / Math.max(1, count - below);
    }
    lower = le;
    below = count;
  }
  return lower;
}

/** Cumulative bucket counts of histogram `name` (its `_bucket` samples) whose labels include `labels`. */
export function buckets(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): Map<number, number> {
  const result = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${name}_bucket`) continue;
    if (!Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) continue;
    const le = sample.labels['le'] === '+Inf' ? Infinity : Number(sample.labels['le']);
    result.set(le, (result.get(le) ?? 0) + sample.value);
  }
  return result;
}
