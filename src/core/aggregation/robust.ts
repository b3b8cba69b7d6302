// Robust aggregation: coordinate-wise median and trimmed mean (Yin et al. 2018). Unweighted:
// letting sample counts weigh in would let one client claim a huge count and dominate.
import { AggregationInputError, commonLength } from './vector-math';

function columnReducer(vectors: readonly Float32Array[], reduce: (column: Float64Array) => number): Float32Array {
  const n = commonLength(vectors);
  const m = vectors.length;
  const out = new Float32Array(n);
  const column = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) column[k] = (vectors[k] as Float32Array)[i] as number;
    column.sort();
    out[i] = reduce(column);
  }
  return out;
}

/** Coordinate-wise median (mean of the two middle values for an even count). */
export function coordinateMedian(vectors: readonly Float32Array[]): Float32Array {
  const m = vectors.length;
  return columnReducer(vectors, (sorted) =>
    m % 2 === 1 ? (sorted[(m - 1) / 2] as number) : ((sorted[m / 2 - 1] as number) + (sorted[m / 2] as number)) / 2,
  );
}

/**
 * Coordinate-wise trimmed mean: per coordinate drop the floor(trimFraction * m) smallest and
 * largest values and average the rest.
 */
export function trimmedMean(vectors: readonly Float32Array[], trimFraction: number): Float32Array {
  if (!(trimFraction >= 0 && trimFraction < 0.5)) throw new AggregationInputError(`trim fraction ${trimFraction} must be in [0, 0.5)`);
  const m = vectors.length;
  const cut = Math.floor(trimFraction * m);
  const kept = m - 2 * cut;
  return columnReducer(vectors, (sorted) => {
    let sum = 0;
    for (let k = cut; k < m - cut; k++) sum += sorted[k] as number;
    return sum / kept;
  });
}
