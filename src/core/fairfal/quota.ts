/**
 * FairFAL step 4: per-class query quota over pseudo-label buckets, with the official
 * remainder and redistribution rules (`balanced_sample_by_pred_kmeans_maxscore`).
 */

/** Unlabeled indices grouped by pseudo-label, each bucket ascending. */
export function bucketsByLabel(pseudoLabels: ArrayLike<number>, numClasses: number): Int32Array[] {
  const sizes = new Int32Array(numClasses);
  for (let i = 0; i < pseudoLabels.length; i++) sizes[pseudoLabels[i] as number]++;
  const buckets = Array.from(sizes, (n) => new Int32Array(n));
  const fill = new Int32Array(numClasses);
  for (let i = 0; i < pseudoLabels.length; i++) {
    const c = pseudoLabels[i] as number;
    (buckets[c] as Int32Array)[fill[c]++] = i;
  }
  return buckets;
}

/**
 * quota_c = floor(b / C); the remainder b mod C adds 1 to the largest buckets (stable sort by
 * size descending, so ties go to the lower class index). Quotas above their bucket are cut,
 * and the shortfall is dealt one at a time, round-robin in that same order, to buckets
 * that still have room. b is capped at the pool size (sum of bucket sizes).
 */
export function classQuota(bucketSizes: ArrayLike<number>, budget: number): Int32Array {
  const C = bucketSizes.length;
  const quota = new Int32Array(C);
  if (C === 0) return quota;
  let pool = 0;
  for (let c = 0; c < C; c++) pool += bucketSizes[c] as number;
  const b = Math.min(Math.floor(budget), pool);
  const base = Math.floor(b / C);
  const rem = b % C;
  quota.fill(base);
  const order = Array.from({ length: C }, (_, c) => c).sort(
    (x, y) => (bucketSizes[y] as number) - (bucketSizes[x] as number) || x - y,
  );
  for (let r = 0; r < rem; r++) quota[order[r] as number]++;
  let leftover = 0;
  for (let c = 0; c < C; c++) {
    const size = bucketSizes[c] as number;
    if ((quota[c] as number) > size) {
      leftover += (quota[c] as number) - size;
      quota[c] = size;
    }
  }
  if (leftover > 0) {
    const canGrow = order.filter((c) => (bucketSizes[c] as number) > (quota[c] as number));
    for (let j = 0; leftover > 0 && canGrow.length > 0; j++) {
      const c = canGrow[j % canGrow.length] as number;
      if ((quota[c] as number) < (bucketSizes[c] as number)) {
        quota[c]++;
        leftover--;
      }
    }
  }
  return quota;
}
