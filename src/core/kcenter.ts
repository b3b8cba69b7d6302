/**
 * Greedy k-center (farthest-first traversal) over an abstract point set. The caller owns
 * the distance: it passes the initial min-distance array (distance to existing centers, or
 * +Infinity when there are none) and an `update(j, minDist)` that lowers every entry to the
 * distance from point j. Memory is O(M); nothing M x M is ever built.
 */

export interface KCenterResult {
  /** Picked positions, in pick order. */
  picks: Int32Array;
  /** minDist of each pick at the moment it was picked (+Infinity for a seed pick). */
  distances: Float64Array;
}

export interface KCenterOptions {
  /** Pick this position first without looking at distances (FairFAL's most-uncertain seed). */
  seed?: number;
  /** Stop when the best remaining distance is not finite (the official FairFAL loop does). */
  stopAtNonFinite?: boolean;
}

/** argmax with first-max tie-breaking (np.argmax), -1 for an empty array. */
export function argmaxFirst(values: ArrayLike<number>): number {
  let best = -1;
  let bestV = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v > bestV || best < 0) {
      bestV = v;
      best = i;
    }
  }
  return best;
}

export function greedyKCenter(
  minDist: Float64Array,
  k: number,
  update: (j: number, minDist: Float64Array) => void,
  options: KCenterOptions = {},
): KCenterResult {
  const M = minDist.length;
  const want = Math.min(k, M);
  const picks = new Int32Array(want);
  const distances = new Float64Array(want);
  let n = 0;
  if (options.seed !== undefined && want > 0) {
    picks[n] = options.seed;
    distances[n++] = Infinity;
    update(options.seed, minDist);
    minDist[options.seed] = -Infinity;
  }
  while (n < want) {
    const j = argmaxFirst(minDist);
    const d = minDist[j] as number;
    if (d === -Infinity || Number.isNaN(d) || (options.stopAtNonFinite && !Number.isFinite(d))) break;
    picks[n] = j;
    distances[n++] = d;
    update(j, minDist);
    minDist[j] = -Infinity;
  }
  return { picks: picks.slice(0, n), distances: distances.slice(0, n) };
}
