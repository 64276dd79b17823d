import { formatMs, summarize, type Sample } from '@demo/testkit/open-loop';
import { checks, phaseNames, phaseSummaries, type RunRecord } from './analysis.js';

const modeTitle = { on: 'defenses on', off: 'defenses off' } as const;

/** The Markdown summary: a table per scenario with a row per phase and mode, then the checks. */
export function markdownReport(records: RunRecord[], meta: { started: Date; machine: string }): string {
  const lines = [
    '# Failure scenarios',
    '',
    `Run ${meta.started.toISOString()} on ${meta.machine}. Open-loop GetUserHome load; latency is measured from each`,
    "request's scheduled send time, so queueing is not hidden. See report.html for the charts.",
    '',
  ];
  for (const scenario of unique(records.map((r) => r.scenario))) {
    const runs = records.filter((r) => r.scenario === scenario);
    const first = runs[0];
    if (!first) continue;
    lines.push(
      `## ${first.title}`,
      '',
      `${first.rate} req/s, client deadline ${first.deadlineMs} ms, recommendation timeout ${first.recommendationTimeoutMs} ms.`,
      '',
      '| defenses | phase | requests | ok | degraded | errors | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const run of runs) {
      const summaries = phaseSummaries(run);
      for (const phase of phaseNames) {
        const s = summaries[phase];
        const errors =
          s.errors > 0
            ? `${s.errors} (${Object.entries(s.errorsByCode)
                .map(([c, n]) => `${c} ${n}`)
                .join(', ')})`
            : '0';
        lines.push(
          `| ${run.mode} | ${phase} | ${s.count} | ${s.ok} | ${s.degraded} | ${errors} | ${formatMs(s.p50)} | ${formatMs(s.p90)} | ${formatMs(s.p99)} | ${formatMs(s.p999)} | ${formatMs(s.max)} |`,
        );
      }
    }
    lines.push('');
    for (const run of runs) {
      const calls = run.recommendationCalls.fault;
      if (calls) {
        lines.push(
          `- ${modeTitle[run.mode]}, fault phase: the aggregator asked recommendation ${calls.logical} times; ${calls.attempts} attempts reached it.`,
        );
      }
      for (const check of checks(run)) {
        lines.push(`- ${check.passed ? 'PASS' : 'FAIL'} (${modeTitle[run.mode]}) ${check.text}: ${check.measured}`);
      }
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** A self-contained HTML page: per scenario, defenses on beside defenses off, as inline SVG. */
export function htmlReport(records: RunRecord[], meta: { started: Date; machine: string }): string {
  const sections = unique(records.map((r) => r.scenario)).map((scenario) => {
    const runs = records.filter((r) => r.scenario === scenario);
    const charts = runs
      .map((run) => `<figure><figcaption>${modeTitle[run.mode]}</figcaption>${chart(run)}</figure>`)
      .join('');
    return `<section><h2>${escape(runs[0]?.title ?? scenario)}</h2><div class="pair">${charts}</div></section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Failure scenarios</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
.pair{display:flex;gap:24px;flex-wrap:wrap}
figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}
.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
</style></head><body>
<h1>Failure scenarios</h1>
<p>Run ${escape(meta.started.toISOString())} on ${escape(meta.machine)}. Each chart: latency per second (p50, p99, log scale),
answers per second by outcome, and the aggregator's recommendation circuit breaker. Dashed lines mark the fault and the recovery.</p>
<p class="legend"><span><i style="background:#1f77b4"></i>p50</span><span><i style="background:#d62728"></i>p99</span>
<span><i style="background:#2ca02c"></i>ok</span><span><i style="background:#ff9f1c"></i>degraded</span><span><i style="background:#b00020"></i>error</span>
<span><i style="background:#e0e0e0"></i>breaker closed</span><span><i style="background:#b00020"></i>open</span><span><i style="background:#ff9f1c"></i>half-open</span></p>
${sections.join('\n')}
</body></html>
`;
}

const width = 560;
const left = 48;
const plotWidth = width - left - 12;

function chart(run: RunRecord): string {
  const seconds = Math.ceil(run.endAt / 1000);
  const x = (ms: number) => left + (ms / (seconds * 1000)) * plotWidth;
  const buckets = Array.from({ length: seconds }, (_, i) =>
    run.samples.filter((s) => s.scheduledAt >= i * 1000 && s.scheduledAt < (i + 1) * 1000),
  );
  const parts: string[] = [];

  // Latency, log scale from 1 ms to 10 s.
  const latencyTop = 10;
  const latencyHeight = 150;
  const y = (ms: number) => latencyTop + latencyHeight * (1 - Math.log10(Math.min(10_000, Math.max(1, ms))) / 4);
  for (const ms of [1, 10, 100, 1000, 10_000]) {
    parts.push(
      `<line x1="${left}" x2="${left + plotWidth}" y1="${y(ms)}" y2="${y(ms)}" stroke="#eee"/>`,
      `<text x="${left - 4}" y="${y(ms) + 4}" text-anchor="end" font-size="10">${ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`}</text>`,
    );
  }
  const line = (pick: (bucket: Sample[]) => number, color: string) => {
    const points = buckets
      .map((bucket, i) =>
        bucket.length === 0 ? undefined : `${x(i * 1000 + 500).toFixed(1)},${y(pick(bucket)).toFixed(1)}`,
      )
      .filter((p): p is string => p !== undefined);
    return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.join(' ')}"/>`;
  };
  parts.push(
    line((b) => summarize(b).p50, '#1f77b4'),
    line((b) => summarize(b).p99, '#d62728'),
  );

  // Outcomes per second, stacked.
  const outcomeTop = latencyTop + latencyHeight + 16;
  const outcomeHeight = 70;
  const maxCount = Math.max(1, ...buckets.map((b) => b.length));
  buckets.forEach((bucket, i) => {
    const s = summarize(bucket);
    let top = outcomeTop + outcomeHeight;
    for (const [count, color] of [
      [s.ok, '#2ca02c'],
      [s.degraded, '#ff9f1c'],
      [s.errors, '#b00020'],
    ] as const) {
      const h = (count / maxCount) * outcomeHeight;
      top -= h;
      if (h > 0) {
        parts.push(
          `<rect x="${x(i * 1000).toFixed(1)}" y="${top.toFixed(1)}" width="${(plotWidth / seconds).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`,
        );
      }
    }
  });
  parts.push(`<text x="${left - 4}" y="${outcomeTop + 10}" text-anchor="end" font-size="10">${maxCount}/s</text>`);

  // Breaker state strip.
  const breakerTop = outcomeTop + outcomeHeight + 12;
  const colors: Record<number, string> = { 0: '#e0e0e0', 1: '#b00020', 2: '#ff9f1c', 3: '#555' };
  run.breaker.forEach((point, i) => {
    const next = run.breaker[i + 1]?.t ?? run.endAt;
    if (Number.isNaN(point.state)) return;
    parts.push(
      `<rect x="${x(point.t).toFixed(1)}" y="${breakerTop}" width="${Math.max(0.5, x(next) - x(point.t)).toFixed(1)}" height="12" fill="${colors[point.state] ?? '#000'}"/>`,
    );
  });
  parts.push(`<text x="${left - 4}" y="${breakerTop + 10}" text-anchor="end" font-size="10">breaker</text>`);

  // Phases.
  const bottom = breakerTop + 12;
  for (const [label, at] of [
    ['fault', run.phaseStarts.fault],
    ['recovery', run.phaseStarts.recovery],
  ] as const) {
    parts.push(
      `<line x1="${x(at)}" x2="${x(at)}" y1="${latencyTop}" y2="${bottom}" stroke="#333" stroke-dasharray="4 3"/>`,
      `<text x="${x(at) + 3}" y="${latencyTop + 10}" font-size="10">${label}</text>`,
    );
  }
  parts.push(`<text x="${left + plotWidth}" y="${bottom + 14}" text-anchor="end" font-size="10">${seconds} s</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${bottom + 20}" viewBox="0 0 ${width} ${bottom + 20}">${parts.join('')}</svg>`;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
