import { trace } from '@opentelemetry/api';

interface Flushable {
  forceFlush?: () => Promise<void>;
}

/**
 * Exports every span already ended, so a graceful shutdown loses none. Only
 * @opentelemetry/api is used: the SDK's provider sits behind the API's
 * global proxy, and without an SDK this does nothing.
 */
export async function flushTelemetry(timeoutMs = 5000): Promise<void> {
  const global = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const provider = (global.getDelegate?.() ?? global) as Flushable;
  if (typeof provider.forceFlush !== 'function') return;
  await Promise.race([provider.forceFlush(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}
