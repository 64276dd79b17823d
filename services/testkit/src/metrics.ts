/**
 * A service's /metrics, as a test reads it (the parser is the platform's).
 */
import { parsePrometheusText, sum } from '@demo/platform/prometheus-text';

/** The sum of every sample of `name` whose labels include `labels`, scraped from /metrics on `port`. */
export async function scrapeMetric(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
  return sum(parsePrometheusText(await response.text()), name, labels);
}
