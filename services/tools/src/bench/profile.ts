// Where the CPU went, from the V8 CPU profiles `node --cpu-prof` writes
// (`PROFILE=1 make bench`): self time summed over every profile given,
// by package and by function, the idle time left out, and with it, when
// asked, what came before and after the load (startup, shutdown).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({
        functionName: z.string(),
        url: z.string(),
        lineNumber: z.number(),
      }),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()).default([]),
  timeDeltas: z.array(z.number()).default([]),
});
type CallFrame = z.infer<typeof profileSchema>['nodes'][number]['callFrame'];

export interface Share {
  name: string;
  ms: number;
  /** Of all the time that was not idle. */
  share: number;
}

export interface ProfileSummary {
  /** CPU time in the profiles, idle left out. */
  totalMs: number;
  packages: Share[];
  functions: Share[];
}

/**
 * What a function belongs to: node_modules/<package> (the innermost, for a
 * package inside another), services/<name>, node internals (node:* modules
 * and V8's built-ins, which have no script), or V8's own entries,
 * "(garbage collector)" and "(program)" (native code outside any function).
 */
export function packageOf(frame: Pick<CallFrame, 'functionName' | 'url'>): string {
  if (frame.url === '' && /^\(.+\)$/.test(frame.functionName)) return frame.functionName;
  const inPackage = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (inPackage) return `node_modules/${inPackage[1] ?? ''}`;
  const inService = /\/services\/([^/]+)\//.exec(frame.url);
  if (inService) return `services/${inService[1] ?? ''}`;
  if (frame.url === '' || frame.url.startsWith('node:')) return 'node internals';
  return 'other';
}

/**
 * A stretch of time on the monotonic clock, in µs: V8 stamps its samples
 * with it, and it is the clock `process.hrtime` reads, the same in every
 * process of the machine.
 */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Self time summed over `paths` (.cpuprofile files), of the samples inside `window` if given. */
export function summarizeProfiles(paths: readonly string[], window?: ProfileWindow): ProfileSummary {
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const path of paths) {
    const profile = profileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    for (const [id, ms] of selfTimes(profile, window ?? { fromUs: -Infinity, toUs: Infinity })) {
      const frame = frames.get(id);
      if (!frame || frame.functionName === '(idle)') continue;
      const pkg = packageOf(frame);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
      const name = functionName(frame, pkg);
      byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    }
  }
  const totalMs = [...byPackage.values()].reduce((sum, ms) => sum + ms, 0);
  const ranked = (map: Map<string, number>) =>
    [...map]
      .map(([name, ms]) => ({ name, ms, share: ms / totalMs }))
      .sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name));
  return { totalMs, packages: ranked(byPackage), functions: ranked(byFunction) };
}

/** Self time of each node id in ms, each sample in `window` standing for the time until the next one. */
function selfTimes(profile: z.infer<typeof profileSchema>, window: ProfileWindow): Map<number, number> {
  const times = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < window.fromUs || at > window.toUs) return;
    const next = profile.timeDeltas[i + 1];
    // V8 sometimes records a sample slightly out of order: a negative gap counts as none.
    const us = Math.max(0, next ?? profile.endTime - at);
    times.set(id, (times.get(id) ?? 0) + us / 1000);
  });
  return times;
}

/** "name (package file:line)", line from 1; V8's own entries as they are. */
function functionName(frame: CallFrame, pkg: string): string {
  if (frame.url === '') return pkg === frame.functionName ? pkg : `${frame.functionName || '(anonymous)'} (${pkg})`;
  return `${frame.functionName || '(anonymous)'} (${pkg} ${basename(frame.url)}:${frame.lineNumber + 1})`;
}

/** Markdown lines: the share of each package, then the `top` functions by self time. */
export function formatProfileSummary(summary: ProfileSummary, top = 20): string[] {
  const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
  return [
    `Self time, ${(summary.totalMs / 1000).toFixed(1)} s of CPU without (idle), by package:`,
    '',
    '| package | self time | share |',
    '| --- | ---: | ---: |',
    ...summary.packages.map((p) => `| ${p.name} | ${Math.round(p.ms)} ms | ${percent(p.share)} |`),
    '',
    `Top ${top} functions by self time:`,
    '',
    '| function | self time | share |',
    '| --- | ---: | ---: |',
    ...summary.functions.slice(0, top).map((f) => `| ${f.name} | ${Math.round(f.ms)} ms | ${percent(f.share)} |`),
  ];
}
