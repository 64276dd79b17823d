/**
 * A real Prometheus (Debian's package) for tests: started on loopback with
 * exemplar storage on, scraping the given targets every second, queried
 * through its HTTP API.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export interface PrometheusServer {
  url: string;
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  exemplars(
    promql: string,
  ): Promise<{ seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string> }[] }[]>;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: { job: string; port: number }[]): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '900ms' },
    scrape_configs: targets.map(({ job, port }) => ({
      job_name: job,
      static_configs: [{ targets: [`127.0.0.1:${port}`] }],
    })),
  };
  // JSON is YAML, so the config needs no YAML library.
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const port = await freePort();
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--enable-feature=exemplar-storage',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  await waitFor('prometheus to be ready', async () => {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
    const response = await fetch(`${url}/-/ready`);
    return response.ok ? true : undefined;
  });
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? body.status}`);
    return body.data;
  };
  return {
    url,
    async query(promql) {
      const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent(promql)}`,
      );
      return data.result;
    },
    async exemplars(promql) {
      const end = Date.now() / 1000;
      return api(`/api/v1/query_exemplars?query=${encodeURIComponent(promql)}&start=${end - 600}&end=${end}`);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
