import { InvalidArgumentError, parseUserId, resolveRecommendationLimit } from '@demo/platform';
import type { Recommendation__Output } from '@demo/platform/generated/demo/recommendation/v1/Recommendation.js';

export interface Product {
  id: string;
  title: string;
  category: string;
}

export type Recommendation = Recommendation__Output;

/** How many recent views shape the recommendations in a stream. */
export const viewsRemembered = 20;

/**
 * Recommends products from a fixed catalog. Deterministic: the same user,
 * limit and views give the same list on every replica, so a response does not
 * depend on which pod round_robin picked.
 */
export class Recommender {
  readonly #products: readonly Product[];
  readonly #byId: ReadonlyMap<string, Product>;

  constructor(products: readonly Product[]) {
    if (products.length === 0) throw new Error('the catalog is empty');
    this.#products = products;
    this.#byId = new Map(products.map((product) => [product.id, product]));
  }

  get size(): number {
    return this.#products.length;
  }

  /**
   * The best `limit` products for a user: a stable per-user preference, lifted
   * for categories the user viewed recently; viewed products are left out.
   */
  recommend(userId: string, options: { limit: number; viewed?: readonly string[] }): Recommendation[] {
    const user = parseUserId(userId);
    const limit = resolveRecommendationLimit(options.limit);
    const viewed = options.viewed ?? [];
    const categoryViews = new Map<string, number>();
    for (const id of viewed) {
      const category = this.#byId.get(id)?.category;
      if (category) categoryViews.set(category, (categoryViews.get(category) ?? 0) + 1);
    }
    const seen = new Set(viewed);
    return this.#products
      .filter((product) => !seen.has(product.id))
      .map((product) => {
        const affinity = viewed.length === 0 ? 0 : (categoryViews.get(product.category) ?? 0) / viewed.length;
        const score = 0.6 * unitHash(`${user}:${product.id}`) + 0.4 * affinity;
        return { productId: product.id, title: product.title, score: Math.round(score * 10_000) / 10_000 };
      })
      .sort((a, b) => b.score - a.score || a.productId.localeCompare(b.productId))
      .slice(0, limit);
  }

  /** Throws InvalidArgumentError for an id that is not in the catalog. */
  requireProduct(productId: string): Product {
    const product = this.#byId.get(productId);
    if (!product)
      throw new InvalidArgumentError(`viewed_product_id ${JSON.stringify(productId)} is not in the catalog`);
    return product;
  }
}

/** FNV-1a, scaled to [0, 1): cheap, stable across processes and platforms. */
function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}
