// Update weighting one client cannot abuse (issue 18): a client's declared label count is
// only a claim, so no client's share of a round's total weight may exceed `maxShare`, and an
// update that moved too far from the round's model can be clipped back to the bound.
import { AggregationInputError } from './vector-math';

/**
 * Weights w_k = min(n_k, c) with the cap c chosen so that no client holds more than
 * `maxShare` of sum(w) (water-filling: c = s * R / (1 - s * m) when the m largest are capped
 * and R is the rest's sum). With maxShare <= 1/K every client ends with the same weight
 * (the smallest count, so no weight exceeds its claim).
 */
export function cappedWeights(counts: readonly number[], maxShare: number): number[] {
  if (!(maxShare > 0 && maxShare <= 1)) throw new AggregationInputError(`maxShare must be in (0, 1], got ${maxShare}`);
  for (const n of counts) if (!(n >= 0) || !Number.isFinite(n)) throw new AggregationInputError(`count ${n} is not a finite non-negative number`);
  // Clients that claim nothing weigh nothing; the cap is shared among the others.
  const K = counts.filter((n) => n > 0).length;
  if (K === 0 || maxShare === 1) return [...counts];
  if (maxShare * K <= 1) {
    const least = Math.min(...counts.filter((n) => n > 0));
    return counts.map((n) => (n > 0 ? least : 0)); // all equal: every share is 1/K
  }
  const order = [...counts].sort((a, b) => b - a);
  let rest = order.reduce((s, v) => s + v, 0);
  for (let m = 0; m < K; m++) {
    // m clients capped at c, the others keep their counts.
    const c = (maxShare * rest) / (1 - maxShare * m);
    const largestUncapped = order[m] as number;
    const smallestCapped = m > 0 ? (order[m - 1] as number) : Infinity;
    if (largestUncapped <= c && smallestCapped >= c) return counts.map((n) => Math.min(n, c));
    rest -= largestUncapped;
  }
  return [...counts];
}

/** Scales (weights - base) down to L2 norm `bound` when it is longer; returns the vector unchanged otherwise. */
export function clipToBound(weights: Float32Array, base: Float32Array, bound: number): { weights: Float32Array; norm: number; clipped: boolean } {
  if (weights.length !== base.length) throw new AggregationInputError(`vector of ${weights.length} values against a base of ${base.length}`);
  let ss = 0;
  for (let i = 0; i < weights.length; i++) {
    const d = (weights[i] as number) - (base[i] as number);
    ss += d * d;
  }
  const norm = Math.sqrt(ss);
  if (norm <= bound) return { weights, norm, clipped: false };
  const f = bound / norm;
  const out = new Float32Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = (base[i] as number) + f * ((weights[i] as number) - (base[i] as number));
  return { weights: out, norm, clipped: true };
}
