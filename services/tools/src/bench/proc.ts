// What the kernel says a process has used, from /proc: CPU time (user and
// system, every thread) and resident memory. Linux only, as `make bench` is.
import { readFileSync } from 'node:fs';
import { runCommandSync } from '@demo/testkit/processes';

/** utime and stime in /proc/<pid>/stat count in clock ticks (100 a second on most kernels: asked, not assumed). */
const ticksPerSecond = Number(runCommandSync('getconf', ['CLK_TCK'], { timeoutMs: 10_000 }).stdout.trim());

/** CPU seconds `pid` has used so far (user + system, all its threads); NaN once it has gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    // utime and stime are fields 14 and 15, so the 12th and 13th after the name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of `pid` in KiB; NaN once it has gone. */
export function rssKb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds used by all of `pids` together. */
export const totalCpuSeconds = (pids: readonly (number | undefined)[]): number =>
  pids.reduce<number>((sum, pid) => sum + cpuSeconds(pid), 0);
