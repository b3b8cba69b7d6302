// FedAvg: the weighted mean of client weight vectors, weights = labeled sample counts.
import { AggregationInputError, commonLength } from './vector-math';

/** Weighted mean of `vectors` with non-negative `weights` (not all zero). Double-precision accumulation. */
export function weightedMean(vectors: readonly Float32Array[], weights: readonly number[]): Float32Array {
  const n = commonLength(vectors);
  if (weights.length !== vectors.length) {
    throw new AggregationInputError(`${vectors.length} vectors but ${weights.length} weights`);
  }
  let total = 0;
  for (const w of weights) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new AggregationInputError(`weight ${w} is not a finite non-negative number`);
    total += w;
  }
  if (total <= 0) throw new AggregationInputError('weights sum to zero');
  const acc = new Float64Array(n);
  for (let k = 0; k < vectors.length; k++) {
    const v = vectors[k] as Float32Array;
    const w = (weights[k] as number) / total;
    if (w === 0) continue;
    for (let i = 0; i < n; i++) acc[i] = (acc[i] as number) + w * (v[i] as number);
  }
  return Float32Array.from(acc);
}

/** FedAvg over client updates: mean of weights, weighted by each client's labeled sample count. */
export function fedAvg(updates: readonly { weights: Float32Array; sampleCount: number }[]): Float32Array {
  return weightedMean(
    updates.map((u) => u.weights),
    updates.map((u) => u.sampleCount),
  );
}
