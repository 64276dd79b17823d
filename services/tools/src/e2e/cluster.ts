/**
 * The namespace under test, through kubectl: its pods, waits with a bound
 * that say what they waited for, exec into a pod, port-forwards.
 */
import { waitFor } from '@demo/testkit/wait';
import { run, type Programs } from './commands.js';
import { portForward, type PortForward } from '../cluster/port-forward.js';
import type { CommandResult } from '@demo/testkit/processes';

export interface Pod {
  name: string;
  /** app.kubernetes.io/name, the component (user, recommendation, ...). */
  component: string;
  ip: string;
  phase: string;
  ready: boolean;
  deleting: boolean;
  restarts: number;
  node: string;
  /** The containers' requests and limits, as the pod spec has them. */
  resources: { requests: Record<string, string>; limits: Record<string, string> };
}

interface PodJson {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: {
    nodeName?: string;
    containers: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[];
  };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { restartCount: number }[];
  };
}

export class Cluster {
  constructor(
    readonly programs: Programs,
    readonly namespace: string,
  ) {}

  kubectl(args: readonly string[], options: { timeoutMs?: number; input?: string; allowFailure?: boolean } = {}) {
    return run(this.programs.kubectl, ['-n', this.namespace, ...args], {
      timeoutMs: options.timeoutMs ?? 60_000,
      ...(options.input !== undefined ? { input: options.input } : {}),
      ...(options.allowFailure ? { allowFailure: true } : {}),
    });
  }

  async getJson<T>(args: readonly string[]): Promise<T> {
    const { stdout } = await this.kubectl(['get', ...args, '-o', 'json']);
    return JSON.parse(stdout) as T;
  }

  async apply(manifest: string): Promise<void> {
    await this.kubectl(['apply', '-f', '-'], { input: manifest });
  }

  /** Every pod of the namespace, or of one component. */
  async pods(component?: string): Promise<Pod[]> {
    const selector = component ? ['-l', `app.kubernetes.io/name=${component}`] : [];
    const list = await this.getJson<{ items: PodJson[] }>(['pods', ...selector]);
    return list.items.map((item) => ({
      name: item.metadata.name,
      component: item.metadata.labels?.['app.kubernetes.io/name'] ?? '',
      ip: item.status.podIP ?? '',
      phase: item.status.phase,
      ready: item.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      deleting: item.metadata.deletionTimestamp !== undefined,
      restarts: (item.status.containerStatuses ?? []).reduce((sum, c) => sum + c.restartCount, 0),
      node: item.spec.nodeName ?? '',
      resources: {
        requests: item.spec.containers[0]?.resources?.requests ?? {},
        limits: item.spec.containers[0]?.resources?.limits ?? {},
      },
    }));
  }

  /** The component's pods that serve: Ready and not being deleted. */
  async readyPods(component: string): Promise<Pod[]> {
    return (await this.pods(component)).filter((pod) => pod.ready && !pod.deleting);
  }

  /**
   * Polls `probe` until it returns a value. On timeout the error says what
   * was awaited and how every pod stood then.
   */
  async waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 500): Promise<T> {
    try {
      return await waitFor(what, probe, timeoutMs, everyMs);
    } catch (error) {
      const pods = await this.kubectl(['get', 'pods', '-o', 'wide'], { allowFailure: true });
      const last = (error as { cause?: unknown }).cause;
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(`${(error as Error).message}${why}\n${pods.stdout}`, { cause: error });
    }
  }

  /** Waits until `component` has exactly `count` pods, all Ready and none terminating. */
  async waitForReplicas(component: string, count: number, timeoutMs: number): Promise<Pod[]> {
    return this.waitFor(`${count} ready ${component} pods and no other`, timeoutMs, async () => {
      const pods = await this.pods(component);
      const serving = pods.filter((pod) => pod.ready && !pod.deleting);
      return serving.length === count && pods.length === count ? serving : undefined;
    });
  }

  exec(pod: string, command: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
    return this.kubectl(['exec', pod, '--', ...command], { timeoutMs, allowFailure: true });
  }

  forward(resource: string, remotePort: number): Promise<PortForward> {
    return portForward(this.programs.kubectl, this.namespace, resource, remotePort);
  }
}
