// What each service process takes, idle and at a light steady load, beside
// what the chart asks for it: the figures the chart's requests and limits
// should come from.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Target } from './cases.js';
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
