/**
 * What a check is and what it reports: a status, the figures behind it, and
 * in words what it saw. A check records every problem it finds rather than
 * stopping at the first, so one run shows all that is wrong.
 */
import type { Programs } from './commands.js';
import type { PortForward } from '../cluster/port-forward.js';
import type { Cluster } from './cluster.js';
import type { Front, RestFront } from './calls.js';
import type { Target } from './deploy.js';
import type { ResourceSampler } from './resources.js';

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckReport {
  id: number;
  title: string;
  status: CheckStatus;
  seconds: number;
  figures: Record<string, unknown>;
  notes: string[];
  problems: string[];
}

/** Everything a check may use: the cluster, the forwards, the tokens. */
export interface E2eContext {
  cluster: Cluster;
  programs: Programs;
  target: Target;
  grafana: boolean;
  helmArgs: string[];
  /** The tag of the images this run built and loaded. */
  imageTag: string;
  jwtSecret: string;
  tokens: { user: string; admin: string };
  forwards: {
    aggregator: PortForward;
    user: PortForward;
    gateway: PortForward;
    jaeger: PortForward;
    prometheus: PortForward;
  };
  front: Front;
  /** The REST gateway through its Service's forward, with the user token. */
  rest: RestFront;
  resources: ResourceSampler;
  /** Figures one check measures for another (the load of check 9 for check 10). */
  shared: Map<string, unknown>;
}

/** The recorder a check fills in. */
export class CheckRecorder {
  readonly figures: Record<string, unknown> = {};
  readonly notes: string[] = [];
  readonly problems: string[] = [];
  skipped: string | undefined;

  figure(name: string, value: unknown) {
    this.figures[name] = value;
  }

  note(text: string) {
    this.notes.push(text);
  }

  /** A property that must hold; a false one is a problem, and the check fails. */
  expect(holds: boolean, problem: string): boolean {
    if (!holds) this.problems.push(problem);
    return holds;
  }

  /** The check could not be carried out on this cluster: it counts as skipped, never as passed. */
  skip(why: string) {
    this.skipped = why;
  }
}

export interface Check {
  id: number;
  title: string;
  run(context: E2eContext, recorder: CheckRecorder): Promise<void>;
}

export async function runCheck(check: Check, context: E2eContext): Promise<CheckReport> {
  const recorder = new CheckRecorder();
  const started = Date.now();
  try {
    await check.run(context, recorder);
  } catch (error) {
    recorder.problems.push(error instanceof Error ? error.message : String(error));
  }
  const status: CheckStatus =
    recorder.problems.length > 0 ? 'failed' : recorder.skipped !== undefined ? 'skipped' : 'passed';
  if (recorder.skipped !== undefined) recorder.notes.push(`skipped: ${recorder.skipped}`);
  return {
    id: check.id,
    title: check.title,
    status,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    figures: recorder.figures,
    notes: recorder.notes,
    problems: recorder.problems,
  };
}
