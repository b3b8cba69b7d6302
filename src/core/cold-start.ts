/**
 * The first images to label, before any label exists (issue 16's cold start): one image per
 * cluster of the model's features (k-means with k = the budget, the member nearest each
 * centre). A uniform random draw mirrors the class imbalance (two thirds nv in HAM10000) and
 * farthest-first k-center opens with the oddest images (artefacts, black frames); cluster
 * medoids are both spread over the collection and typical of their part of it.
 */
import { kmeans } from './kmeans';
import { matrix } from './matrix';
import { createRng } from './rng';

/** Positions (rows of `features`, N x D) of up to `budget` representative, diverse images. */
export function coldStartPicks(features: Float32Array, n: number, dim: number, budget: number, seed: number): number[] {
  const k = Math.min(budget, n);
  if (k === 0) return [];
  // Unit-length rows: a random network's feature scale says more about brightness than content.
  const x = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += (features[i * dim + d] as number) ** 2;
    const s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) x[i * dim + d] = (features[i * dim + d] as number) * s;
  }
  const { labels, centers } = kmeans(matrix(x, n, dim, 'features'), { k, maxIter: 10 }, createRng(seed));
  const best = new Array<number>(k).fill(-1);
  const bestDist = new Array<number>(k).fill(Infinity);
  for (let i = 0; i < n; i++) {
    const c = labels[i] as number;
    let d2 = 0;
    for (let d = 0; d < dim; d++) d2 += ((x[i * dim + d] as number) - (centers.data[c * dim + d] as number)) ** 2;
    if (d2 < (bestDist[c] as number)) {
      bestDist[c] = d2;
      best[c] = i;
    }
  }
  const picks = best.filter((i) => i >= 0);
  // Empty clusters leave the budget short: fill it with the first images not picked yet.
  const taken = new Set(picks);
  for (let i = 0; picks.length < k && i < n; i++) if (!taken.has(i)) picks.push(i);
  return picks;
}
