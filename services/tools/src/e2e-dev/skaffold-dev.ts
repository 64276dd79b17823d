/**
 * `skaffold dev` as a child process that the check drives the way a person
 * does: started in a checkout, read as it talks, stopped with SIGINT as
 * Ctrl-C stops it (to its whole process group: the terminal sends Ctrl-C to
 * skaffold and to the kubectl port-forwards it started alike), and killed
 * outright when it does not stop within its bound.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { SkaffoldOutput } from './skaffold-output.js';

export interface SkaffoldDevOptions {
  skaffold: string;
  /** The checkout skaffold runs in (its skaffold.yaml, its sources). */
  cwd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Where every line skaffold prints goes too. */
  logFile: string;
}

export class SkaffoldDev {
  readonly output = new SkaffoldOutput();
  readonly startedAt = Date.now();
  readonly #child;
  readonly #exited: Promise<number | null>;
  #exitStatus: number | null | undefined;

  constructor(options: SkaffoldDevOptions) {
    const log = createWriteStream(options.logFile);
    // A process group of its own, so that a signal reaches kubectl's forwards too.
    this.#child = spawn(options.skaffold, ['dev', ...options.args], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      this.output.push(chunk.toString());
    };
    this.#child.stdout.on('data', onData);
    this.#child.stderr.on('data', onData);
    this.#exited = new Promise((resolve) => {
      this.#child.once('error', (error) => {
        this.output.push(`\nskaffold: ${error.message}\n`);
        this.#exitStatus = null;
        resolve(null);
      });
      this.#child.once('close', (status, signal) => {
        this.#exitStatus = status;
        this.output.push(`\n`);
        this.output.failWaiters(`skaffold exited (${status ?? signal}) while the check waited`);
        log.end();
        resolve(status);
      });
    });
  }

  get running(): boolean {
    return this.#exitStatus === undefined;
  }

  get exited(): Promise<number | null> {
    return this.#exited;
  }

  #signal(signal: NodeJS.Signals) {
    const pid = this.#child.pid;
    if (pid === undefined || !this.running) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }

  /**
   * Ctrl-C: SIGINT to the group, then the exit, bounded. Resolves with the
   * exit status and the seconds it took, or undefined when it had to be killed.
   */
  async interrupt(timeoutMs: number): Promise<{ status: number | null; seconds: number } | undefined> {
    const started = Date.now();
    this.#signal('SIGINT');
    const status = await Promise.race([
      this.#exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref()),
    ]);
    if (status === 'timeout') {
      await this.kill();
      return undefined;
    }
    return { status, seconds: (Date.now() - started) / 1000 };
  }

  /** SIGKILL to the whole group, and the exit. */
  async kill(): Promise<void> {
    this.#signal('SIGKILL');
    await this.#exited;
  }
}
