// Small checks over flat weight vectors, used to validate client updates.

export class AggregationInputError extends Error {
  override readonly name = 'AggregationInputError';
}

/** True when every value is a finite number (no NaN, no +-Infinity). */
export function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    // v - v is NaN for NaN and +-Infinity, 0 otherwise.
    if (v - v !== 0) return false;
  }
  return true;
}

/** L2 norm of (a - b), accumulated in double precision. */
export function l2Distance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new AggregationInputError(`length mismatch: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

export function l2Norm(a: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (a[i] as number);
  return Math.sqrt(sum);
}

/** Throws unless there is at least one vector and all share one length. Returns that length. */
export function commonLength(vectors: readonly Float32Array[]): number {
  const first = vectors[0];
  if (!first) throw new AggregationInputError('nothing to aggregate: no vectors');
  for (const v of vectors) {
    if (v.length !== first.length) throw new AggregationInputError(`length mismatch: ${v.length} vs ${first.length}`);
  }
  return first.length;
}
