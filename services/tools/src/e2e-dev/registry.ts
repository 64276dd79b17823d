/**
 * A registry for skaffold to push to, the way kind's "local registry" recipe
 * makes one, for a cluster that is neither kind nor minikube: Debian's
 * `docker-registry` (the CNCF distribution registry) on 127.0.0.1 at a free
 * port, its storage in a temporary directory. The cluster's containerd pulls
 * `localhost:<port>/...` over plain HTTP with no extra configuration, and
 * docker pushes to a loopback registry without TLS.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@demo/testkit/ports';

export interface Registry {
  port: number;
  /** What SKAFFOLD_DEFAULT_REPO names: localhost:<port>. */
  repository: string;
  /** Stops the registry (SIGTERM, then SIGKILL after 5 s) and removes its storage. */
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** The program (Debian's package installs /usr/bin/docker-registry). */
  program?: string;
  /** A port to try first; a taken one moves the registry to a free port. */
  port?: number;
  /** How long one start may take to say it listens. */
  timeoutMs?: number;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const errors: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = attempt === 0 && options.port ? options.port : await freePort();
    try {
      return await startOn(port, options);
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  throw new Error(`docker-registry did not start:\n${errors.join('\n')}`);
}

async function startOn(port: number, options: RegistryOptions): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-demo-registry-'));
  const config = join(dir, 'config.yml');
  // A minimal configuration: the filesystem driver under the temporary
  // directory, loopback only, no debug server, no telemetry.
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: {level: info, formatter: text}',
      `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}}`,
      // A secret of its own, so it does not warn that it made one up.
      `http: {addr: "127.0.0.1:${port}", secret: ${randomBytes(16).toString('hex')}}`,
      '',
    ].join('\n'),
  );
  const child = spawn(options.program ?? 'docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const timeoutMs = options.timeoutMs ?? 15_000;
  let output = '';
  const onData = (chunk: Buffer) => (output += chunk.toString());
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`port ${port}: no "listening on 127.0.0.1:${port}" within ${timeoutMs} ms: ${output}`)),
        timeoutMs,
      );
      // The registry says so once its listener is bound, which proves the
      // port is its own (a client would otherwise reach whatever held it).
      const onListening = () => {
        if (output.includes(`listening on 127.0.0.1:${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onListening);
      child.stderr.on('data', onListening);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`${options.program ?? 'docker-registry'}: ${error.message}`));
      });
      child.once('close', (status) => {
        clearTimeout(timer);
        reject(
          new Error(`port ${port}: docker-registry exited ${status}: ${output.trim().split('\n').slice(-3).join(' ')}`),
        );
      });
    });
    // The distribution API's version check: 200 with an empty body.
    const response = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(5000) });
    if (response.status !== 200) throw new Error(`port ${port}: GET /v2/ answered ${response.status}`);
  } catch (error) {
    await stop();
    throw error;
  }
  // From here on its request log is not kept.
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').resume();
  return { port, repository: `localhost:${port}`, stop };
}
