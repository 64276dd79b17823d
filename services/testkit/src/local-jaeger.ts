/**
 * Jaeger v2 as a local process for `make run`, when `make install` has built
 * it into .tools/bin (JAEGER_BIN names another binary): OTLP/gRPC on 4317,
 * the UI and its API on 16686, traces in memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, constants } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';
import { localJaegerPorts } from './local-dev.js';

export const jaegerBinary =
  process.env['JAEGER_BIN'] ?? fileURLToPath(new URL('../../../../.tools/bin/jaeger', import.meta.url));
const configFile = fileURLToPath(new URL('../../jaeger-local.yaml', import.meta.url));

export interface LocalJaeger {
  otlpEndpoint: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts Jaeger and waits until its API answers; undefined when it is not installed. */
export async function startLocalJaeger(
  ports: { otlpGrpc: number; ui: number; queryGrpc?: number } = localJaegerPorts,
  binary = jaegerBinary,
): Promise<LocalJaeger | undefined> {
  try {
    await access(binary, constants.X_OK);
  } catch {
    return undefined;
  }
  const child = spawn(binary, ['--config', `file:${configFile}`], {
    env: {
      PATH: process.env['PATH'] ?? '',
      JAEGER_OTLP_GRPC_PORT: String(ports.otlpGrpc),
      JAEGER_UI_PORT: String(ports.ui),
      JAEGER_QUERY_GRPC_PORT: String(ports.queryGrpc ?? ports.ui - 1),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 200) stderr.shift();
  });
  const uiUrl = `http://127.0.0.1:${ports.ui}`;
  try {
    await waitFor(
      'Jaeger to answer',
      async () => {
        if (child.exitCode !== null) throw new Error(`jaeger exited: ${stderr.join('')}`);
        const response = await fetch(`${uiUrl}/api/services`, { signal: AbortSignal.timeout(1000) });
        return response.ok ? true : undefined;
      },
      30_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    otlpEndpoint: `http://127.0.0.1:${ports.otlpGrpc}`,
    uiUrl,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
