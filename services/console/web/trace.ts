// One trace as a waterfall: the spans of every service, nested by parent,
// each bar placed on the trace's own timeline, with the events and
// attributes that say what the defenses did. The data is Jaeger's query API
// answer, which the console passes through (a Jaeger built from the Go
// module proxy serves the API but not its UI).

interface JaegerSpan {
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  /** µs since the epoch. */
  startTime: number;
  /** µs. */
  duration: number;
  tags: { key: string; value: unknown }[];
  logs: { timestamp: number; fields: { key: string; value: unknown }[] }[];
  processID: string;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

/** The attributes worth a glance; the rest are in Jaeger. */
const shownTags = ['rpc.grpc.status_code', 'degraded', 'defense.circuit_breaker', 'defense.timeouts', 'net.peer.name'];

const traceId = location.pathname.split('/').pop() ?? '';
const message = document.getElementById('message');
const body = document.getElementById('spans');

function say(text: string): void {
  if (message) message.textContent = text;
}

async function show(): Promise<void> {
  const code = document.getElementById('trace-id');
  if (code) code.textContent = traceId;
  const state = (await (await fetch('/api/state')).json()) as { jaegerUrl: string };
  const jaegerLink = document.getElementById('jaeger-link');
  if (jaegerLink instanceof HTMLAnchorElement) jaegerLink.href = `${state.jaegerUrl}/trace/${traceId}`;

  const response = await fetch(`/api/traces/${traceId}`);
  if (!response.ok) {
    say(`Jaeger has no trace ${traceId} (yet): ${response.status}`);
    return;
  }
  const answer = (await response.json()) as { data?: JaegerTrace[] };
  const trace = answer.data?.[0];
  if (!trace || !body) {
    say(`Jaeger has no trace ${traceId}`);
    return;
  }
  const start = Math.min(...trace.spans.map((span) => span.startTime));
  const end = Math.max(...trace.spans.map((span) => span.startTime + span.duration));
  const children = new Map<string, JaegerSpan[]>();
  const ids = new Set(trace.spans.map((span) => span.spanID));
  const roots: JaegerSpan[] = [];
  for (const span of trace.spans) {
    const parent = span.references.find((ref) => ref.refType === 'CHILD_OF' && ids.has(ref.spanID))?.spanID;
    if (parent === undefined) roots.push(span);
    else children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const rows: [JaegerSpan, number][] = [];
  const visit = (span: JaegerSpan, depth: number) => {
    rows.push([span, depth]);
    for (const child of (children.get(span.spanID) ?? []).sort((a, b) => a.startTime - b.startTime)) {
      visit(child, depth + 1);
    }
  };
  for (const root of roots.sort((a, b) => a.startTime - b.startTime)) visit(root, 0);

  for (const [span, depth] of rows) {
    const row = document.createElement('tr');
    const cell = (content: string | Node, className = '') => {
      const td = document.createElement('td');
      td.className = className;
      td.append(content);
      row.append(td);
    };
    const error = span.tags.some((tag) => tag.key === 'error' && tag.value === true);
    cell(trace.processes[span.processID]?.serviceName ?? span.processID);
    cell(`${'\u2003'.repeat(depth)}${span.operationName}`);
    cell(`${(span.duration / 1000).toFixed(1)} ms`);
    const bar = document.createElement('div');
    bar.className = 'bar';
    const fill = document.createElement('span');
    fill.className = error ? 'error' : '';
    const total = Math.max(1, end - start);
    fill.style.left = `${(100 * (span.startTime - start)) / total}%`;
    fill.style.width = `${(100 * span.duration) / total}%`;
    bar.append(fill);
    cell(bar);
    const events = span.logs.map((log) => {
      const event = log.fields.find((field) => field.key === 'event')?.value;
      const name = typeof event === 'string' ? event : 'event';
      const rest = log.fields
        .filter((field) => field.key !== 'event')
        .map((field) => `${field.key}=${String(field.value)}`)
        .join(' ');
      return `${name}${rest ? ` (${rest})` : ''}`;
    });
    const tags = span.tags.filter((tag) => shownTags.includes(tag.key)).map((tag) => `${tag.key}=${String(tag.value)}`);
    cell([...events, ...tags].join('; '), 'detail');
    body.append(row);
  }
  say(`${trace.spans.length} spans over ${((end - start) / 1000).toFixed(1)} ms`);
}

show().catch((error: unknown) => say(`could not show the trace: ${String(error)}`));
