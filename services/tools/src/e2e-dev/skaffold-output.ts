/**
 * What `skaffold dev` says, read the way a person reads it: which ports it
 * forwarded (a taken local port moves, so the configured one is only a
 * wish), when the deploy stabilised, when a build failed, when it cleans up.
 * The lines are skaffold v2's own (pkg/skaffold/kubernetes/portforward,
 * pkg/skaffold/kubernetes/status, pkg/skaffold/runner).
 */

export interface Forward {
  /** service/aggregator-headless */
  resource: string;
  namespace: string;
  remotePort: number;
  /** 127.0.0.1:<the local port skaffold took> */
  address: string;
  localPort: number;
}

/** "Port forwarding service/x in namespace y, remote port 50051 -> http://127.0.0.1:50051" */
const forwardLine =
  /Port forwarding (\S+) in namespace (\S+), remote port (\d+) -> http:\/\/([\d.]+|\[[0-9a-f:]+\]|localhost):(\d+)/;

export function parseForward(line: string): Forward | undefined {
  const match = forwardLine.exec(line);
  if (!match) return undefined;
  const [, resource = '', namespace = '', remote = '', host = '', local = ''] = match;
  return { resource, namespace, remotePort: Number(remote), address: `${host}:${local}`, localPort: Number(local) };
}

/**
 * "Deployments stabilized in 20.1 seconds" (skaffold's humanized duration:
 * also "1 minute 3.2 seconds", "1.5 second", "850.2ms"): the seconds it took.
 */
export function parseStabilized(line: string): number | undefined {
  const match = /Deployments stabilized in (?:(\d+) minutes? )?(?:([\d.]+) seconds?|([\d.]+)ms)/.exec(line);
  if (!match) return undefined;
  const [, minutes = '0', secondsText, milliseconds] = match;
  return Number(minutes) * 60 + (secondsText !== undefined ? Number(secondsText) : Number(milliseconds) / 1000);
}

/** A rebuild during dev failed: skaffold keeps what is deployed and says why. */
export function isBuildFailure(line: string): boolean {
  return /Skipping test and deploy due to build error|Build Failed|build failed/i.test(line);
}

/** The deploy-time warning the chart must never cause: a built image that no manifest uses. */
export function isUnusedImageWarning(line: string): boolean {
  return /image \[[^\]]+\] is not used/.test(line);
}

/**
 * Everything skaffold printed so far, line by line, with the times the lines
 * came, and waiters for a line that matches.
 */
export class SkaffoldOutput {
  readonly lines: { at: number; text: string }[] = [];
  #partial = '';
  #waiters: {
    test: (line: string) => boolean;
    from: number;
    resolve: (line: string) => void;
    reject: (error: Error) => void;
  }[] = [];

  /** Feeds a chunk of output (stdout and stderr alike). */
  push(chunk: string, at = Date.now()): void {
    const text = this.#partial + chunk;
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) {
      const index = this.lines.push({ at, text: line.replace(/\r$/, '') }) - 1;
      this.#waiters = this.#waiters.filter((waiter) => {
        if (index < waiter.from || !waiter.test(line)) return true;
        waiter.resolve(line);
        return false;
      });
    }
  }

  /** Every forward skaffold reported, the latest per resource. */
  forwards(): Map<string, Forward> {
    const found = new Map<string, Forward>();
    for (const { text } of this.lines) {
      const forward = parseForward(text);
      if (forward) found.set(forward.resource, forward);
    }
    return found;
  }

  count(test: (line: string) => boolean): number {
    return this.lines.filter(({ text }) => test(text)).length;
  }

  /**
   * The first line from line number `from` on (default: from now) that
   * passes `test`, or a rejection after `timeoutMs` naming `what`.
   */
  waitForLine(
    what: string,
    test: (line: string) => boolean,
    timeoutMs: number,
    from = this.lines.length,
  ): Promise<string> {
    const earlier = this.lines.slice(from).find(({ text }) => test(text));
    if (earlier) return Promise.resolve(earlier.text);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== entry);
        reject(new Error(`skaffold did not print ${what} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const entry = {
        test,
        from,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.push(entry);
    });
  }

  /** Rejects every pending wait at once (skaffold exited). */
  failWaiters(reason: string): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(new Error(reason));
  }

  text(): string {
    return this.lines.map(({ text }) => text).join('\n');
  }
}
