/**
 * Getting the chart onto the cluster under test: build the images with the
 * Dockerfile, load them into the cluster (kind, minikube or the local
 * cluster of ../shared/kube; no registry), `helm upgrade --install` into a
 * namespace that enforces the restricted Pod Security Standard, and take it
 * all down again. Also what a failed run leaves behind for a person to read.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { paths, repoRoot } from '../cluster/toolchain.js';
import { kubeLocalDir, run, type Programs } from './commands.js';
import type { Cluster } from './cluster.js';

export const release = 'grpc-demo';

/** How images reach the cluster's nodes. */
export type Loader = 'kind' | 'minikube' | 'kube-local' | 'none';

export interface Target {
  context: string;
  loader: Loader;
  /** The values file of the chart for this kind of cluster. */
  valuesFile: string;
  /** kind's cluster name, from the context kind-<name>. */
  kindCluster?: string;
}

/** The cluster kind from the kube context (kind-*, minikube, kube-local), unless E2E_LOADER says. */
export async function detectTarget(programs: Programs, env: NodeJS.ProcessEnv): Promise<Target> {
  const { stdout } = await run(programs.kubectl, ['config', 'current-context'], { timeoutMs: 10_000 });
  const context = stdout.trim();
  const asked = env['E2E_LOADER'];
  if (asked && !['kind', 'minikube', 'kube-local', 'none'].includes(asked)) {
    throw new Error(`E2E_LOADER must be kind, minikube, kube-local or none (got "${asked}")`);
  }
  const loader: Loader =
    (asked as Loader | undefined) ??
    (context.startsWith('kind-')
      ? 'kind'
      : context === 'minikube'
        ? 'minikube'
        : context === 'kube-local'
          ? 'kube-local'
          : 'none');
  const valuesFile = join(paths.chart, loader === 'minikube' ? 'values-minikube.yaml' : 'values-kind.yaml');
  return {
    context,
    loader,
    valuesFile,
    ...(loader === 'kind' ? { kindCluster: context.replace(/^kind-/, '') } : {}),
  };
}

/** The Dockerfile's service targets: every `FROM runtime AS <name>`. */
export function serviceTargets(): string[] {
  const dockerfile = readFileSync(paths.dockerfile, 'utf8');
  return [...dockerfile.matchAll(/^FROM runtime AS (\S+)/gm)].map((match) => match[1] ?? '');
}

export interface BuiltImage {
  service: string;
  image: string;
  bytes: number;
  buildSeconds: number;
}

export async function buildImages(programs: Programs, tag: string): Promise<BuiltImage[]> {
  const built: BuiltImage[] = [];
  for (const service of serviceTargets()) {
    const image = `grpc-demo-${service}:${tag}`;
    const started = Date.now();
    await run(programs.docker, ['build', '--target', service, '--tag', image, '.'], {
      timeoutMs: 20 * 60_000,
      env: { ...process.env, DOCKER_BUILDKIT: '1' },
    });
    const size = await run(programs.docker, ['image', 'inspect', '--format', '{{.Size}}', image], {
      timeoutMs: 30_000,
    });
    built.push({ service, image, bytes: Number(size.stdout.trim()), buildSeconds: (Date.now() - started) / 1000 });
  }
  return built;
}

/** The third-party images of the chart's values (redis, jaeger, prometheus, the gateway's Envoy, grafana when on). */
export function thirdPartyImages(options: { grafana: boolean }): string[] {
  const values = parse(readFileSync(join(paths.chart, 'values.yaml'), 'utf8')) as Record<
    string,
    { image?: { repository: string; tag: string } }
  >;
  const names = ['redis', 'jaeger', 'prometheus', 'gateway', ...(options.grafana ? ['grafana'] : [])];
  return names.flatMap((name) => {
    const image = values[name]?.image;
    return image ? [`${image.repository}:${image.tag}`] : [];
  });
}

export async function loadImages(target: Target, images: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const timeoutMs = 15 * 60_000;
  switch (target.loader) {
    case 'kind': {
      const kind = existsSync(join(paths.tools, 'bin/kind')) ? join(paths.tools, 'bin/kind') : 'kind';
      await run(kind, ['load', 'docker-image', '--name', target.kindCluster ?? 'grpc-demo', ...images], { timeoutMs });
      return;
    }
    case 'minikube':
      for (const image of images) await run('minikube', ['image', 'load', image], { timeoutMs });
      return;
    case 'kube-local': {
      const scripts = env['KUBE_LOCAL_SCRIPTS'] || join(repoRoot, '../shared/kube');
      await run('bash', [join(scripts, 'images'), 'load', ...images], { timeoutMs });
      return;
    }
    case 'none':
      return;
  }
}

/**
 * Removes from the local cluster's node every image pulled under `prefix`
 * (make e2e-dev's registry, `localhost:<port>/`, which is gone once the run
 * ends) and returns how many there were. The node is this machine, so its
 * containerd is asked directly, through the CRI (crictl), which drops every
 * name and the content of an image at once. Left there, each run would add
 * its images to the node for good, and a containerd that holds more images
 * takes longer to start.
 */
export async function removeNodeImages(prefix: string, env: NodeJS.ProcessEnv): Promise<number> {
  const dir = kubeLocalDir(env);
  const crictl = join(dir, 'bin/crictl');
  const endpoint = ['--runtime-endpoint', `unix://${join(dir, 'run/containerd.sock')}`];
  return removeAll(
    `the node's images from ${prefix}`,
    async () => {
      const listed = await run(crictl, [...endpoint, 'images', '--output', 'json'], { timeoutMs: 60_000 });
      const { images } = JSON.parse(listed.stdout) as {
        images: { id: string; repoTags: string[] | null; repoDigests: string[] | null }[];
      };
      return images
        .filter((image) => [...(image.repoTags ?? []), ...(image.repoDigests ?? [])].some((n) => n.startsWith(prefix)))
        .map((image) => image.id);
    },
    (ids) => run(crictl, [...endpoint, 'rmi', ...ids], { timeoutMs: 60_000 }),
  );
}

/**
 * Removes from the local Docker the tags under `prefix` (make e2e-dev's
 * registry, which is gone once the run ends): skaffold builds each image
 * under that name, and nothing can push or pull it again. An image that has
 * another name keeps it. Returns how many tags were removed.
 */
export async function removeDockerTags(docker: string, prefix: string): Promise<number> {
  return removeAll(
    `Docker's image names under ${prefix}`,
    async () =>
      (await run(docker, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { timeoutMs: 60_000 })).stdout
        .split('\n')
        .filter((name) => name.startsWith(prefix) && !name.endsWith(':<none>')),
    (names) => run(docker, ['image', 'rm', ...names], { timeoutMs: 120_000 }),
  );
}

/**
 * Removes what `list` finds with `remove`, then lists again: throws, naming
 * them, if any is left. Returns how many were found.
 */
async function removeAll(
  what: string,
  list: () => Promise<string[]>,
  remove: (found: string[]) => Promise<unknown>,
): Promise<number> {
  const found = await list();
  if (found.length > 0) await remove(found);
  const left = await list();
  if (left.length > 0) throw new Error(`${left.length} of ${what} still there: ${left.join(' ')}`);
  return found.length;
}

/** The namespace, labelled so that the API server admits only pods of the restricted Pod Security Standard. */
export async function createNamespace(cluster: Cluster): Promise<void> {
  const manifest = `apiVersion: v1
kind: Namespace
metadata:
  name: ${cluster.namespace}
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/audit: restricted
`;
  await run(cluster.programs.kubectl, ['apply', '-f', '-'], { timeoutMs: 30_000, input: manifest });
}

export function helmArgs(target: Target, tag: string, options: { grafana: boolean }): string[] {
  const services = serviceTargets();
  return [
    '-f',
    target.valuesFile,
    ...services.flatMap((service) => ['--set', `${service}.image.tag=${tag}`]),
    '--set',
    `grafana.enabled=${options.grafana}`,
  ];
}

export async function helmInstall(cluster: Cluster, args: string[]): Promise<void> {
  await run(
    cluster.programs.helm,
    ['upgrade', '--install', release, paths.chart, '--namespace', cluster.namespace, ...args],
    { timeoutMs: 5 * 60_000 },
  );
}

export async function uninstall(cluster: Cluster): Promise<void> {
  await run(cluster.programs.helm, ['uninstall', release, '--namespace', cluster.namespace, '--wait'], {
    timeoutMs: 3 * 60_000,
    allowFailure: true,
  });
  await run(cluster.programs.kubectl, ['delete', 'namespace', cluster.namespace, '--wait=true', '--timeout=180s'], {
    timeoutMs: 4 * 60_000,
    allowFailure: true,
  });
}

/** What a person needs to see why a check failed: the pods, the events, every container's log. */
export async function collectDiagnostics(cluster: Cluster, dir: string): Promise<string[]> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const files: string[] = [];
  const save = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    files.push(name);
  };
  const pods = await cluster.kubectl(['get', 'pods', '-o', 'wide'], { allowFailure: true });
  save('pods.txt', pods.stdout + pods.stderr);
  const events = await cluster.kubectl(['get', 'events', '--sort-by=.lastTimestamp'], { allowFailure: true });
  save('events.txt', events.stdout + events.stderr);
  const described = await cluster.kubectl(['describe', 'pods'], { allowFailure: true });
  save('pods-described.txt', described.stdout + described.stderr);
  for (const pod of await cluster.pods().catch(() => [])) {
    const log = await cluster.kubectl(['logs', pod.name, '--all-containers', '--tail=400'], { allowFailure: true });
    let text = log.stdout + log.stderr;
    if (pod.restarts > 0) {
      const previous = await cluster.kubectl(['logs', pod.name, '--all-containers', '--previous', '--tail=200'], {
        allowFailure: true,
      });
      text += `\n---- previous container ----\n${previous.stdout}${previous.stderr}`;
    }
    save(`logs/${pod.name}.log`, text);
  }
  return files;
}
