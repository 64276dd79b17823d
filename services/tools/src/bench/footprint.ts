// What each service process takes, idle and at a light steady load, beside
// what the chart asks for it: the figures the chart's requests and limits
// should come from.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { scrapeMetric } from '@demo/testkit/metrics';
import { bearerHeaders } from '@demo/platform';
import type { ControlRoom, Target } from './cases.js';
import { runFixedRate, type GhzPlacement } from './ghz.js';
import { cpuSeconds, rssKb } from './proc.js';

/** The light load: 100 GetUserHome a second, the rate the chart's sizes were first set for (README, "Resource footprint"). */
export const footprintRate = 100;

export interface Usage {
  rssKb: number;
  /** CPU over the window, in thousandths of a core. */
  millicores: number;
}

export interface ChartResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

export interface ProcessFootprint {
  name: string;
  idle: Usage;
  loaded: Usage;
  chart: ChartResources | undefined;
}

export interface Footprint {
  /** Idle is measured over this long, after as long again from the start; the load lasts twice this. */
  idleSeconds: number;
  loadSeconds: number;
  rate: number;
  processes: ProcessFootprint[];
  failures: Record<string, number>;
  errorMessages: Record<string, number>;
  /** The control room beside them, on a system of its own. */
  console?: ConsoleFootprint | undefined;
}

export interface ConsoleFootprint extends ProcessFootprint {
  /** GetUserHome calls its load generator made while it was measured, and how many answered OK. */
  loadCalls: { made: number; ok: number };
}

/** Measures `target` from just after its start: idle first, then at `footprintRate`. */
export async function measureFootprint(
  target: Target,
  options: { loadSeconds: number; placement: GhzPlacement },
): Promise<Footprint> {
  const pids = target.processes.map((p) => p.child.pid);
  const idleSeconds = options.loadSeconds / 2;
  // Startup's JIT and first collections are over by then.
  await sleep(idleSeconds * 1000);
  const { usage: idle } = await usageOver(pids, () => sleep(idleSeconds * 1000));
  const { usage: loaded, result: run } = await usageOver(pids, () =>
    runFixedRate(target.ghz, { ...options.placement, seconds: options.loadSeconds, rate: footprintRate }),
  );
  return {
    idleSeconds,
    loadSeconds: options.loadSeconds,
    rate: footprintRate,
    processes: target.processes.map((p, i) => ({
      name: p.name,
      idle: idle[i] ?? { rssKb: Number.NaN, millicores: Number.NaN },
      loaded: loaded[i] ?? { rssKb: Number.NaN, millicores: Number.NaN },
      chart: chartResources(p.name.replace(/-[ab]$/, '')),
    })),
    failures: run.failures,
    errorMessages: run.errorMessages,
  };
}

/**
 * The control room's own cost, measured as the GetUserHome processes' is:
 * with one page open (its event stream, read as a browser reads it), idle,
 * then while its own load generator sends `footprintRate` GetUserHome a
 * second and charts them.
 */
export async function measureConsoleFootprint(
  room: ControlRoom,
  options: { loadSeconds: number },
): Promise<ConsoleFootprint> {
  const pids = [room.console.child.pid];
  const base = `http://${room.console.address}`;
  const page = new AbortController();
  const events = await fetch(`${base}/api/events`, { signal: page.signal });
  const reading = events.body?.pipeTo(new WritableStream(), { signal: page.signal }).catch(() => undefined);
  const loadCalls = async (outcome?: string) =>
    scrapeMetric(room.console.metricsPort ?? 0, 'console_load_calls_total', outcome ? { outcome } : {});
  try {
    const idleSeconds = options.loadSeconds / 2;
    await sleep(idleSeconds * 1000);
    const { usage: idle } = await usageOver(pids, () => sleep(idleSeconds * 1000));
    const before = { made: await loadCalls(), ok: await loadCalls('ok') };
    await setConsoleLoad(base, room.adminToken, footprintRate);
    const { usage: loaded } = await usageOver(pids, () => sleep(options.loadSeconds * 1000));
    await setConsoleLoad(base, room.adminToken, 0);
    const unknown = { rssKb: Number.NaN, millicores: Number.NaN };
    return {
      name: 'console',
      idle: idle[0] ?? unknown,
      loaded: loaded[0] ?? unknown,
      chart: chartResources('console'),
      loadCalls: { made: (await loadCalls()) - before.made, ok: (await loadCalls('ok')) - before.ok },
    };
  } finally {
    page.abort();
    await reading;
  }
}

async function setConsoleLoad(base: string, adminToken: string, rate: number): Promise<void> {
  const response = await fetch(`${base}/api/load`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearerHeaders(adminToken) },
    body: JSON.stringify({ rate }),
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok)
    throw new Error(`the console refused a load of ${rate}/s: ${response.status} ${await response.text()}`);
}

/** Each process's CPU over what `during` took, and its RSS at the end. */
async function usageOver<T>(
  pids: readonly (number | undefined)[],
  during: () => Promise<T>,
): Promise<{ usage: Usage[]; result: T }> {
  const startedAt = performance.now();
  const before = pids.map(cpuSeconds);
  const result = await during();
  const seconds = (performance.now() - startedAt) / 1000;
  const usage = pids.map((pid, i) => ({
    rssKb: rssKb(pid),
    millicores: ((cpuSeconds(pid) - (before[i] ?? Number.NaN)) / seconds) * 1000,
  }));
  return { usage, result };
}

const valuesPath = fileURLToPath(new URL('../../../../../helm/grpc-demo/values.yaml', import.meta.url));
const quantities = z.object({ cpu: z.union([z.string(), z.number()]).transform(String), memory: z.string() });
const serviceValues = z.object({ resources: z.object({ requests: quantities, limits: quantities }) });

/** The chart's requests and limits for `service` (its key in values.yaml); undefined if it sets none. */
export function chartResources(service: string): ChartResources | undefined {
  const values = z.record(z.string(), z.unknown()).parse(parse(readFileSync(valuesPath, 'utf8')));
  return serviceValues.safeParse(values[service]).data?.resources;
}
