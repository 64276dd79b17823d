/**
 * The command-line programs `make e2e` drives (docker, kubectl, helm, the
 * local cluster's scripts), each run with a bound on its time, and the
 * kubectl port-forward that the checks reach the cluster through.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@demo/testkit/ports';
import { paths, repoRoot } from '../cluster/toolchain.js';

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A command that failed, with what it printed. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    const output = `${result.stderr}${result.stdout}`.trim().split('\n').slice(-30).join('\n');
    super(`${command} exited ${result.status ?? 'on a signal'}:\n${output}`);
  }
}

/**
 * Runs a program to its end, killing it after `timeoutMs`; rejects with a
 * CommandError on a non-zero exit unless `allowFailure`.
 */
export function run(
  program: string,
  args: readonly string[],
  options: { timeoutMs: number; input?: string; allowFailure?: boolean; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<CommandResult> {
  const command = [program, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${options.timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${program}: ${error.message}`));
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      const result = { status, stdout, stderr };
      if (status !== 0 && !options.allowFailure) reject(new CommandError(command, result));
      else resolve(result);
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Where the programs are: the pinned helm and grpcurl of `make install`, kubectl from the PATH or the local cluster. */
export interface Programs {
  kubectl: string;
  helm: string;
  docker: string;
  /** Directories to put first on the PATH of the README's commands (kubectl, helm, grpcurl). */
  pathDirs: string[];
}

export function findPrograms(env: NodeJS.ProcessEnv): Programs {
  const onPath = (name: string) =>
    (env['PATH'] ?? '')
      .split(':')
      .map((dir) => join(dir, name))
      .find((file) => existsSync(file));
  const localClusterKubectl = join(env['KUBE_LOCAL_DIR'] || '/var/tmp/kube-local', 'bin/kubectl');
  const kubectl =
    env['KUBECTL'] || onPath('kubectl') || (existsSync(localClusterKubectl) ? localClusterKubectl : undefined);
  if (!kubectl) throw new Error('kubectl is not on the PATH (set KUBECTL to its path)');
  const helm = join(paths.tools, 'bin/helm');
  if (!existsSync(helm)) throw new Error(`${helm} is missing: run make install`);
  const docker = env['DOCKER'] || onPath('docker');
  if (!docker) throw new Error('docker is not on the PATH: the images are built with it');
  const kubectlDir = kubectl.slice(0, kubectl.lastIndexOf('/'));
  return { kubectl, helm, docker, pathDirs: [join(paths.tools, 'bin'), kubectlDir] };
}

export interface PortForward {
  /** 127.0.0.1:<port>, confirmed bound by kubectl. */
  address: string;
  port: number;
  close(): Promise<void>;
}

/**
 * `kubectl port-forward` of `resource` (svc/x or pod/x) to a free local port
 * on 127.0.0.1. The forward counts only once kubectl says it listens on that
 * very address: when the IPv4 port is taken, kubectl binds [::1] alone, and a
 * client of 127.0.0.1 would reach whatever holds the port.
 */
export async function portForward(
  programs: Programs,
  namespace: string,
  resource: string,
  remotePort: number,
  timeoutMs = 20_000,
): Promise<PortForward> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await startForward(programs, namespace, resource, remotePort, port, timeoutMs);
    } catch (error) {
      lastError = error as Error;
    }
  }
  throw lastError ?? new Error(`port-forward to ${resource} failed`);
}

function startForward(
  programs: Programs,
  namespace: string,
  resource: string,
  remotePort: number,
  port: number,
  timeoutMs: number,
): Promise<PortForward> {
  const child: ChildProcess = spawn(
    programs.kubectl,
    ['-n', namespace, 'port-forward', '--address', '127.0.0.1', resource, `${port}:${remotePort}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const expected = `Forwarding from 127.0.0.1:${port} -> ${remotePort}`;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      void close();
      reject(
        new Error(`kubectl port-forward ${resource} did not report "${expected}" within ${timeoutMs} ms: ${output}`),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(expected)) {
        clearTimeout(timer);
        resolve({ address: `127.0.0.1:${port}`, port, close });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('close', (status) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward ${resource} exited ${status}: ${output.trim()}`));
    });
  });
}
