/**
 * Each pod's CPU and memory, from the kubelet's summary API
 * (/api/v1/nodes/<node>/proxy/stats/summary): the figures metrics-server
 * would report, without needing metrics-server. CPU over a window is the
 * difference of two cumulative readings; memory is the working set.
 */
import type { Cluster } from './cluster.js';

interface Summary {
  pods?: {
    podRef: { name: string; namespace: string };
    cpu?: { time?: string; usageCoreNanoSeconds?: number };
    memory?: { workingSetBytes?: number };
  }[];
}

export interface PodReading {
  cpuNanos: number;
  workingSetBytes: number;
  at: number;
}

export interface PodUsage {
  /** Cores used over the window (1000 = one core, in millicores). */
  cpuMillicores: number;
  memoryMiB: number;
}

export class ResourceSampler {
  constructor(readonly cluster: Cluster) {}

  /** One cumulative reading of every pod of the namespace. */
  async read(): Promise<Map<string, PodReading>> {
    const nodes = new Set((await this.cluster.pods()).map((pod) => pod.node).filter(Boolean));
    const readings = new Map<string, PodReading>();
    for (const node of nodes) {
      const { stdout } = await this.cluster.kubectl(['get', '--raw', `/api/v1/nodes/${node}/proxy/stats/summary`]);
      for (const pod of (JSON.parse(stdout) as Summary).pods ?? []) {
        if (pod.podRef.namespace !== this.cluster.namespace) continue;
        readings.set(pod.podRef.name, {
          cpuNanos: pod.cpu?.usageCoreNanoSeconds ?? 0,
          workingSetBytes: pod.memory?.workingSetBytes ?? 0,
          // The kubelet refreshes its figures every few seconds: the reading's own time, not ours.
          at: pod.cpu?.time ? Date.parse(pod.cpu.time) : Date.now(),
        });
      }
    }
    return readings;
  }

  /** Usage of each pod between two readings (memory: the later working set). */
  static usage(before: Map<string, PodReading>, after: Map<string, PodReading>): Map<string, PodUsage> {
    const usage = new Map<string, PodUsage>();
    for (const [pod, end] of after) {
      const start = before.get(pod);
      if (!start || end.at <= start.at) continue;
      usage.set(pod, {
        cpuMillicores: Math.round((end.cpuNanos - start.cpuNanos) / 1e6 / ((end.at - start.at) / 1000)),
        memoryMiB: Math.round(end.workingSetBytes / 2 ** 20),
      });
    }
    return usage;
  }

  /** Usage over `windowMs` from now. */
  async measure(windowMs: number): Promise<Map<string, PodUsage>> {
    const before = await this.read();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    return ResourceSampler.usage(before, await this.read());
  }
}

/** Kubernetes quantities as numbers: "100m" -> 100 millicores, "1" -> 1000; "192Mi" -> 192 MiB. */
export function millicores(quantity: string | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}

export function mebibytes(quantity: string | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  const units: Record<string, number> = {
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    K: 1e3 / 2 ** 20,
    M: 1e6 / 2 ** 20,
    G: 1e9 / 2 ** 20,
  };
  const match = /^(\d+(?:\.\d+)?)([KMG]i?)?$/.exec(quantity);
  if (!match) return undefined;
  return Number(match[1]) * (match[2] ? (units[match[2]] ?? 1) : 1 / 2 ** 20);
}
