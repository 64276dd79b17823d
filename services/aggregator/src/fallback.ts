import { trace } from '@opentelemetry/api';
import type { Recommendation } from './dependencies.js';
import { failureKinds, type FailureKind } from './resilience/failures.js';
import type { ResilienceMetrics } from './resilience/metrics.js';
import type { DependencyName } from './resilience/settings.js';

/**
 * What the home page shows when recommendations are unavailable: the store's
 * bestsellers, known without asking anyone. A real system would refresh this
 * list in the background; a fixed one keeps the fallback path free of I/O,
 * which is the point of a fallback.
 */
const bestsellers: readonly Recommendation[] = [
  { productId: 'aud-001', title: 'Wireless Headphones', score: 0 },
  { productId: 'kit-001', title: 'Cast-Iron Skillet', score: 0 },
  { productId: 'boo-003', title: 'Illustrated Cookbook', score: 0 },
  { productId: 'out-002', title: 'Ultralight Backpack', score: 0 },
  { productId: 'gam-001', title: 'Cooperative Board Game', score: 0 },
  { productId: 'off-001', title: 'Ergonomic Keyboard', score: 0 },
  { productId: 'fit-002', title: 'Adjustable Yoga Mat', score: 0 },
  { productId: 'gar-001', title: 'Heirloom Planter', score: 0 },
];

export function fallbackRecommendations(limit: number): Recommendation[] {
  return bestsellers.slice(0, limit);
}

/**
 * What an answer degraded to the fallback leaves behind: the degraded and
 * fallback counters, and an event on the call's span, so degraded answers
 * can be counted in Prometheus and found in Jaeger.
 */
export function fallbackRecorder(
  metrics: Pick<ResilienceMetrics, 'degraded' | 'fallbacks'>,
): (dependency: DependencyName, kind: FailureKind) => void {
  return (dependency, kind) => {
    metrics.degraded.inc();
    metrics.fallbacks.inc({ dependency });
    trace.getActiveSpan()?.addEvent('fallback.used', { dependency, reason: failureKinds[kind].reason });
  };
}
