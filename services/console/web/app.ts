// The control room's page: loads the state once, then takes a point a second
// over server-sent events, and draws every chart with uPlot (served by the
// console from its npm package). Admin actions carry the token the person
// pasted; without one the page is read-only.
import uPlot from '/vendor/uPlot.esm.js';

import type { DefenseName, DefenseSwitches } from '@demo/platform';
import type { DependencyName, Marker, Point, PointEvent, State, Update } from '../src/wire.js';

const dependencies: DependencyName[] = ['user', 'recommendation'];
const breakerNames: Record<number, string> = { [-1]: 'off', 0: 'closed', 1: 'open', 2: 'half-open', 3: 'isolated' };
const palette = ['#1b7f3b', '#e08a00', '#b00020', '#5b3cc4', '#0077b6', '#8c564b', '#e377c2', '#7f7f7f'];

function byId(id: string): HTMLElement;
function byId<T extends HTMLElement>(id: string, type: new () => T): T;
function byId(id: string, type: new () => HTMLElement = HTMLElement): HTMLElement {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing from the page`);
  return element;
}

let history: Point[] = [];
let markers: Marker[] = [];
let jaegerUrl = '';

// ---- Charts ----------------------------------------------------------------

/** A chart whose series are the keys `keys` finds in the history; rebuilt when they change. */
interface ChartSpec {
  title: string;
  keys: (points: Point[]) => string[];
  value: (point: Point, key: string) => number | null;
  /** Names the y values (the breaker's states). */
  yValues?: (value: number) => string;
  stepped?: boolean;
  range?: [number, number];
}

const outcomeKeys = (points: Point[]) => {
  const keys = new Set(['ok', 'degraded']);
  for (const point of points) for (const key of Object.keys(point.outcomes)) keys.add(key);
  return [...keys];
};

const specs: ChartSpec[] = [
  { title: 'Front door: GetUserHome calls/s by outcome', keys: outcomeKeys, value: (p, k) => p.outcomes[k] ?? 0 },
  {
    title: 'Front door latency, ms (from the aggregator histogram)',
    keys: () => ['p50', 'p99'],
    value: (p, k) => (k === 'p50' ? p.p50Ms : p.p99Ms),
  },
  ...dependencies.flatMap((dependency): ChartSpec[] => [
    {
      title: `${dependency}: circuit breaker`,
      keys: () => ['state'],
      value: (p) => p.dependencies[dependency].breaker,
      yValues: (value) => breakerNames[value] ?? '',
      stepped: true,
      range: [-1, 2],
    },
    {
      title: `${dependency}: bulkhead`,
      keys: () => ['in flight', 'rejections/s'],
      value: (p, k) =>
        k === 'in flight' ? p.dependencies[dependency].inFlight : p.dependencies[dependency].bulkheadRejections,
    },
    {
      title: `${dependency}: retries, budget refusals and timeouts per second`,
      keys: () => ['retries', 'refused by budget', 'timeouts'],
      value: (p, k) => {
        const d = p.dependencies[dependency];
        return k === 'retries' ? d.retries : k === 'timeouts' ? d.timeouts : d.retriesRefused;
      },
    },
    {
      title: `${dependency}: share of calls per replica, %`,
      keys: (points) => [...new Set(points.flatMap((p) => Object.keys(p.share[dependency])))].sort(),
      value: (p, k) => {
        const perReplica = p.share[dependency];
        const total = Object.values(perReplica).reduce((a, b) => a + b, 0);
        return total > 0 ? (100 * (perReplica[k] ?? 0)) / total : null;
      },
      range: [0, 100],
    },
  ]),
];

/** The gateway's chart, shown when the system has one. */
const gatewaySpec: ChartSpec = {
  title: 'Gateway (REST, gRPC-Web): calls/s by HTTP status',
  keys: (points) => [...new Set(points.flatMap((p) => Object.keys(p.gateway ?? {})))].sort(),
  value: (p, k) => (p.gateway === null ? null : (p.gateway[k] ?? 0)),
};

/** Draws a dashed line and its text for every marker inside the chart's time range. */
const markerPlugin = (): uPlot.Plugin => ({
  hooks: {
    draw: [
      (u: uPlot) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.strokeStyle = '#5b3cc4';
        ctx.fillStyle = '#5b3cc4';
        ctx.setLineDash([4, 3]);
        ctx.font = `${11 * devicePixelRatio}px system-ui`;
        // Labels go on four staggered rows, so changes made seconds apart stay readable.
        for (const [index, marker] of markers.entries()) {
          const x = u.valToPos(marker.t / 1000, 'x', true);
          if (x < bbox.left || x > bbox.left + bbox.width) continue;
          ctx.beginPath();
          ctx.moveTo(x, bbox.top);
          ctx.lineTo(x, bbox.top + bbox.height);
          ctx.stroke();
          ctx.fillText(marker.text, x + 3, bbox.top + (12 + 12 * (index % 4)) * devicePixelRatio);
        }
        ctx.restore();
      },
    ],
  },
});

interface LiveChart {
  spec: ChartSpec;
  keys: string[];
  plot: uPlot;
  element: HTMLElement;
}
const charts: LiveChart[] = [];

function chartData(spec: ChartSpec, keys: string[]): uPlot.AlignedData {
  return [history.map((p) => p.t / 1000), ...keys.map((key) => history.map((p) => spec.value(p, key)))];
}

function buildChart(spec: ChartSpec, element: HTMLElement): LiveChart {
  const keys = spec.keys(history);
  const width = Math.max(300, element.clientWidth - 10);
  const options: uPlot.Options = {
    title: spec.title,
    width,
    height: 200,
    plugins: [markerPlugin()],
    scales: { x: { time: true }, ...(spec.range ? { y: { range: spec.range } } : {}) },
    axes: [
      {},
      spec.yValues
        ? {
            values: (_u, values) => values.map((v) => (Number.isInteger(v) ? (spec.yValues?.(v) ?? '') : '')),
            size: 70,
          }
        : { size: 50 },
    ],
    series: [
      {},
      ...keys.map((key, index) => ({
        label: key,
        stroke: palette[index % palette.length] ?? '#333',
        width: 2,
        spanGaps: false,
        ...(spec.stepped ? { paths: uPlot.paths.stepped?.({ align: 1 }) } : {}),
        value: (_u: uPlot, v: number | null) =>
          v === null ? '–' : spec.yValues ? spec.yValues(v) : v.toFixed(v < 10 ? 1 : 0),
      })),
    ],
  };
  return { spec, keys, element, plot: new uPlot(options, chartData(spec, keys), element) };
}

function drawCharts(): void {
  const container = byId('charts');
  if (charts.length === 0) {
    for (const spec of specs) {
      const element = document.createElement('div');
      element.className = 'chart';
      element.dataset['title'] = spec.title;
      container.append(element);
      charts.push(buildChart(spec, element));
    }
    return;
  }
  for (const [index, chart] of charts.entries()) {
    const keys = chart.spec.keys(history);
    if (keys.join('\u0000') !== chart.keys.join('\u0000')) {
      // A new outcome code or a new replica: a new series, so a new chart.
      chart.plot.destroy();
      charts[index] = buildChart(chart.spec, chart.element);
    } else {
      chart.plot.setData(chartData(chart.spec, keys));
    }
  }
}

// ---- Readouts, tables ------------------------------------------------------

function showReadouts(): void {
  const last = history.at(-1);
  if (!last) return;
  const total = Object.values(last.outcomes).reduce((a, b) => a + b, 0);
  const failed = total - (last.outcomes['ok'] ?? 0) - (last.outcomes['degraded'] ?? 0);
  const share = (n: number) => (total > 0 ? `${Math.round((100 * n) / total)}%` : '–');
  byId('calls-per-second').textContent = total.toFixed(0);
  byId('degraded-share').textContent = share(last.outcomes['degraded'] ?? 0);
  byId('failed-share').textContent = share(failed);
  byId('p50').textContent = last.p50Ms === null ? '–' : `${last.p50Ms} ms`;
  byId('p99').textContent = last.p99Ms === null ? '–' : `${last.p99Ms} ms`;
  for (const dependency of dependencies) {
    const state = last.dependencies[dependency].breaker;
    const element = byId(`breaker-${dependency}`);
    const name = state === null ? '–' : (breakerNames[state] ?? String(state));
    element.textContent = name;
    element.className = `state-${name.replace('-', '')}`;
  }
}

function cell(row: HTMLTableRowElement, content: string | Node): void {
  const td = row.insertCell();
  td.append(content);
}

function showUpdate(update: Update): void {
  markers = update.markers;
  const faults = byId('faults', HTMLTableSectionElement);
  faults.replaceChildren();
  for (const fault of update.settings.faults) {
    const row = faults.insertRow();
    cell(row, fault.replica);
    cell(row, fault.error ? `unreachable: ${fault.error}` : fault.description);
  }

  const defenses = byId('defenses', HTMLTableSectionElement);
  defenses.replaceChildren();
  for (const replica of update.settings.defenses) {
    const row = defenses.insertRow();
    cell(row, replica.replica);
    const on = replica.defenses
      ? (Object.keys(replica.defenses) as DefenseName[]).filter((name) => replica.defenses?.[name]).join(', ')
      : undefined;
    cell(row, replica.error ? `unreachable: ${replica.error}` : on || 'none');
  }

  const switches = update.settings.defenses.find((d) => d.defenses)?.defenses;
  for (const box of document.querySelectorAll<HTMLInputElement>('input.defense')) {
    const name = box.dataset['defense'] as keyof DefenseSwitches;
    if (switches && document.activeElement !== box) box.checked = switches[name];
  }

  const load = update.load;
  byId('load-status').textContent = load.running
    ? `running at ${load.rate}/s; ${load.sent} sent, ${load.inFlight} in flight${load.skipped > 0 ? `, ${load.skipped} skipped (too many in flight)` : ''}`
    : `stopped; ${load.sent} sent`;

  const recent = byId('recent', HTMLTableSectionElement);
  recent.replaceChildren();
  for (const call of update.recent) {
    const row = recent.insertRow();
    cell(row, new Date(call.at).toLocaleTimeString());
    cell(row, call.outcome);
    cell(row, `${call.latencyMs} ms`);
    cell(row, call.reason);
    if (call.traceId && jaegerUrl) {
      // The console's own view of the trace (from Jaeger's API), and Jaeger's UI beside it.
      const link = document.createElement('a');
      link.href = `/trace/${call.traceId}`;
      link.target = '_blank';
      link.className = 'trace-link';
      link.textContent = call.traceId.slice(0, 16);
      const jaeger = document.createElement('a');
      jaeger.href = `${jaegerUrl}/trace/${call.traceId}`;
      jaeger.target = '_blank';
      jaeger.rel = 'noopener';
      jaeger.textContent = 'Jaeger';
      const links = document.createElement('span');
      links.append(link, ' · ', jaeger);
      cell(row, links);
    } else {
      cell(row, call.traceId ? call.traceId.slice(0, 16) : '–');
    }
  }

  const list = byId('markers');
  list.replaceChildren(
    ...[...markers].reverse().map((marker) => {
      const item = document.createElement('li');
      item.textContent = `${new Date(marker.t).toLocaleTimeString()}  ${marker.text}`;
      return item;
    }),
  );
}

// ---- Admin actions ---------------------------------------------------------

let token = sessionStorage.getItem('admin-token') ?? '';

function showRole(): void {
  const role = byId('role');
  role.textContent = token ? 'admin token set' : 'read-only';
  role.className = `pill ${token ? 'ok' : ''}`;
  for (const control of document.querySelectorAll<HTMLButtonElement | HTMLInputElement>('.admin')) {
    control.disabled = token === '';
  }
}

function say(text: string, error = false): void {
  const message = byId('message');
  message.textContent = text;
  message.className = `message${error ? ' error' : ''}`;
}

async function act(path: string, body: unknown, done: string): Promise<void> {
  try {
    const response = await fetch(path, {
      method: 'POST',
      // The page loads no module but uPlot (no bundler), so it spells the header platform's bearerHeaders builds.
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { error?: string; appliedTo?: string[] };
    if (!response.ok) {
      say(`${done} refused: ${answer.error ?? response.statusText}`, true);
      return;
    }
    say(answer.appliedTo ? `${done}: applied to ${answer.appliedTo.join(', ')}` : done);
  } catch (error) {
    say(`${done} failed: ${String(error)}`, true);
  }
}

const presets: Record<string, unknown> = {
  slow: { delay: { delayMs: 600, percentage: 100 } },
  unavailable: { abort: { grpcCode: 14, percentage: 50 } },
  hang: { delay: { delayMs: 3_600_000, percentage: 100 } },
};

/** A checkbox for each defense switch the console names, in its order; a change sends all of them. */
function drawDefenseSwitches(labels: Record<DefenseName, string>): void {
  const fieldset = byId('defense-switches');
  for (const [name, label] of Object.entries(labels)) {
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.className = 'admin defense';
    box.dataset['defense'] = name;
    box.disabled = token === '';
    box.addEventListener('change', () => {
      const defenses = Object.fromEntries(
        [...document.querySelectorAll<HTMLInputElement>('input.defense')].map((b): [string, boolean] => [
          b.dataset['defense'] ?? '',
          b.checked,
        ]),
      );
      void act('/api/defenses', { defenses }, `${name} ${box.checked ? 'on' : 'off'}`);
    });
    const wrapper = document.createElement('label');
    wrapper.append(box, ` ${label.replaceAll('_', ' ')}`);
    fieldset.append(wrapper);
  }
}

function wireControls(): void {
  byId('token-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    token = byId('token', HTMLInputElement).value.trim();
    sessionStorage.setItem('admin-token', token);
    showRole();
  });
  byId('load-start').addEventListener('click', () => {
    const rate = Number(byId('load-rate', HTMLInputElement).value);
    void act('/api/load', { rate }, `load at ${rate}/s`);
  });
  byId('load-stop').addEventListener('click', () => void act('/api/load', { rate: 0 }, 'load stopped'));
  for (const button of document.querySelectorAll<HTMLButtonElement>('button.preset')) {
    const name = button.dataset['preset'] ?? '';
    button.addEventListener('click', () => void act('/api/fault', { fault: presets[name] }, `fault "${name}"`));
  }
  byId('fault-clear').addEventListener('click', () => void act('/api/fault/clear', {}, 'fault cleared'));
  byId('fault-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const number = (name: string) => Number(form.get(name));
    const fault = {
      ...(number('delayPercent') > 0
        ? { delay: { delayMs: number('delayMs'), percentage: number('delayPercent') } }
        : {}),
      ...(number('abortPercent') > 0
        ? { abort: { grpcCode: number('abortCode'), percentage: number('abortPercent') } }
        : {}),
    };
    void act('/api/fault', { fault }, 'custom fault');
  });
}

// ---- Start -----------------------------------------------------------------

async function start(): Promise<void> {
  wireControls();
  showRole();
  const state = (await (await fetch('/api/state')).json()) as State;
  drawDefenseSwitches(state.defenseLabels);
  history = state.history;
  jaegerUrl = state.jaegerUrl;
  byId('load-rate', HTMLInputElement).max = String(state.maxRate);
  if (state.gateway) specs.splice(2, 0, gatewaySpec);
  showUpdate(state);
  drawCharts();
  showReadouts();

  const connection = byId('connection');
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    connection.textContent = 'live';
    connection.className = 'pill ok';
  });
  events.addEventListener('error', () => {
    connection.textContent = 'reconnecting…';
    connection.className = 'pill bad';
  });
  events.addEventListener('point', (event) => {
    const update = JSON.parse((event as MessageEvent<string>).data) as PointEvent;
    history.push(update.point);
    if (history.length > 300) history.shift();
    showUpdate(update);
    drawCharts();
    showReadouts();
    document.body.dataset['points'] = String(history.length);
  });
  window.addEventListener('resize', () => {
    for (const chart of charts)
      chart.plot.setSize({ width: Math.max(300, chart.element.clientWidth - 10), height: 200 });
  });
}

void start();
