/**
 * The one `kubectl port-forward`, for make e2e's checks and make
 * port-forward. A forward counts only once kubectl says it listens on
 * 127.0.0.1 at that very port: when the IPv4 port is taken, kubectl binds
 * [::1] alone, and a client of 127.0.0.1 would reach whatever holds the port
 * (../shared/kube/README.md).
 */
import { spawn } from 'node:child_process';
import { freePort } from '@demo/testkit/ports';

export interface PortForward {
  /** 127.0.0.1:<port>, confirmed bound by kubectl. */
  address: string;
  port: number;
  /** Settles when kubectl has exited (closed, or the pod went away). */
  closed: Promise<void>;
  close(): Promise<void>;
}

export interface PortForwardOptions {
  /** The local port; without it a free one is picked (three tries, each port fresh). */
  localPort?: number;
  /** How long kubectl has to report the forward. */
  timeoutMs?: number;
  /** Where what kubectl writes to stderr goes once the forward is up (its errors on later connections). */
  onStderr?: (text: string) => void;
}

/** `kubectl port-forward` of `resource` (svc/x or pod/x) in `namespace` to a local port on 127.0.0.1. */
export async function portForward(
  kubectl: string,
  namespace: string,
  resource: string,
  remotePort: number,
  options: PortForwardOptions = {},
): Promise<PortForward> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  if (options.localPort !== undefined) {
    return startForward(kubectl, namespace, resource, remotePort, options.localPort, timeoutMs, options.onStderr);
  }
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await startForward(kubectl, namespace, resource, remotePort, port, timeoutMs, options.onStderr);
    } catch (error) {
      lastError = error as Error;
    }
  }
  throw lastError ?? new Error(`port-forward to ${resource} failed`);
}

function startForward(
  kubectl: string,
  namespace: string,
  resource: string,
  remotePort: number,
  port: number,
  timeoutMs: number,
  onStderr: ((text: string) => void) | undefined,
): Promise<PortForward> {
  const child = spawn(
    kubectl,
    ['-n', namespace, 'port-forward', '--address', '127.0.0.1', resource, `${port}:${remotePort}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const expected = `Forwarding from 127.0.0.1:${port} -> ${remotePort}`;
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await closed;
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      reject(error);
    };
    const timer = setTimeout(() => {
      void close();
      fail(
        new Error(`kubectl port-forward ${resource} did not report "${expected}" within ${timeoutMs} ms: ${output}`),
      );
    }, timeoutMs);
    const onData = (chunk: string) => {
      output += chunk;
      if (!output.includes(expected)) return;
      clearTimeout(timer);
      // Up: kubectl's "Handling connection" lines are read and dropped, never kept.
      child.stdout.off('data', onData).resume();
      child.stderr.off('data', onData).on('data', (text: string) => onStderr?.(text));
      resolve({ address: `127.0.0.1:${port}`, port, closed, close });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => fail(new Error(`${kubectl}: ${error.message}`)));
    child.once('close', (status) =>
      fail(new Error(`kubectl port-forward ${resource} exited ${status}: ${output.trim()}`)),
    );
  });
}
