import { readFile } from 'node:fs/promises';
import type { Product } from './recommender.js';

/** The catalog shipped with the service: data/catalog.json, beside dist/ and src/. */
export const catalogPath = new URL('../../data/catalog.json', import.meta.url);

export async function loadCatalog(path: URL = catalogPath): Promise<Product[]> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as { products?: unknown };
  if (!Array.isArray(parsed.products)) throw new Error(`${path.pathname} has no products array`);
  return parsed.products.map((entry: unknown, index) => {
    const { id, title, category } = (entry ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || typeof title !== 'string' || typeof category !== 'string') {
      throw new Error(`${path.pathname}: product ${index} needs string id, title and category`);
    }
    return { id, title, category };
  });
}
