/**
 * BADGE (Ash et al., "Deep Batch Active Learning by Diverse, Uncertain Gradient Lower
 * Bounds", ICLR 2020; official FAL code: raymin0223/LoGo `query_strategies/badge_sampling.py`,
 * `init_centers`). k-means++ seeding on gradient embeddings of the global model (h = its
 * penultimate features, p = its softmax, y = argmax p): the first center is the sample with
 * the largest embedding norm (first on ties), each next center is drawn with probability
 * proportional to the squared distance to its nearest chosen center. Exactly min(b, N)
 * distinct samples. Distances use the rank-1 factorisation, so the N x DC matrix is never
 * built. If every remaining distance is 0 (duplicates), the lowest unchosen index is taken
 * (the official code would stop in a debugger there).
 */
import { gradEmbeddingFactors, lowerToGradRow } from '../gradEmbedding';
import { type Matrix } from '../matrix';
import { type ScoreReason } from './types';
import { defineStrategy, sortedIndices } from './validate';

export const badgeStrategy = defineStrategy('badge', ['globalFeatures', 'globalProbs'], (q, rng) => {
  const f = gradEmbeddingFactors(q.input.globalFeatures as Matrix, q.input.globalProbs as Matrix);
  const N = q.poolSize;
  const b = q.budget;
  const chosen = new Uint8Array(N);
  const picks = new Int32Array(b);
  const reasons: ScoreReason[] = [];

  let first = 0;
  for (let i = 1; i < N; i++) if ((f.sqNorms[i] as number) > (f.sqNorms[first] as number)) first = i;
  const d2 = new Float64Array(N).fill(Infinity);
  let current = first;
  let value: number | null = null;
  for (let n = 0; n < b; n++) {
    picks[n] = current;
    chosen[current] = 1;
    reasons.push({ kind: 'score', index: current, rank: n, metric: 'kmeanspp-sq-distance', value });
    if (n === b - 1) break;
    lowerToGradRow(f, current, d2);
    let total = 0;
    for (let i = 0; i < N; i++) {
      if (chosen[i]) d2[i] = 0;
      else total += d2[i] as number;
    }
    let next = -1;
    if (total > 0) {
      // Inverse-CDF draw; skip zero-weight (chosen) entries so a chosen index is never hit.
      let target = rng.next() * total;
      for (let i = 0; i < N; i++) {
        const w = d2[i] as number;
        if (w <= 0) continue;
        next = i;
        target -= w;
        if (target < 0) break;
      }
    } else {
      for (let i = 0; i < N && next < 0; i++) if (!chosen[i]) next = i;
    }
    current = next;
    value = d2[next] as number;
  }
  return { selected: sortedIndices(picks), reasons };
});
