import type { Recommendation } from './dependencies.js';

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
