/**
 * The command-line programs `make e2e` drives (docker, kubectl, helm, the
 * local cluster's scripts), each run with a bound on its time.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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

/** Where ../shared/kube keeps the local cluster's binaries, sockets and logs. */
export function kubeLocalDir(env: NodeJS.ProcessEnv): string {
  return env['KUBE_LOCAL_DIR'] || '/var/tmp/kube-local';
}

export function findPrograms(env: NodeJS.ProcessEnv): Programs {
  const onPath = (name: string) =>
    (env['PATH'] ?? '')
      .split(':')
      .map((dir) => join(dir, name))
      .find((file) => existsSync(file));
  const localClusterKubectl = join(kubeLocalDir(env), 'bin/kubectl');
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
