/**
 * The command-line programs `make e2e` drives (docker, kubectl, helm, the
 * local cluster's scripts), each run with a bound on its time, and the
 * kubectl port-forward that the checks reach the cluster through.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@demo/testkit/ports';
import { runCommand, type CommandResult } from '@demo/testkit/processes';
import { paths, repoRoot } from '../cluster/toolchain.js';

/** Runs a program to its end from the repository's root: the testkit's one runner, there. */
export function run(
  program: string,
  args: readonly string[],
  options: Parameters<typeof runCommand>[2],
): Promise<CommandResult> {
  return runCommand(program, args, { cwd: repoRoot, ...options });
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
