/**
 * Confidence intervals for the figures a clinic reads off its held-out labels (issue 16):
 * Wilson score intervals for a proportion (accuracy, one class's recall; sound at small n and at
 * 0 or 1, where the normal approximation collapses to a point), and a stratified percentile
 * bootstrap for balanced accuracy (a mean of per-class recalls has no closed form worth trusting
 * at a handful of images per class). Pure and seeded.
 */
import { CoreArgumentError } from './errors';
import { createRng } from './rng';

export type Interval = [number, number];

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** Wilson score interval of `successes` out of `n`; null when n is 0. */
export function wilsonInterval(successes: number, n: number, z = Z95): Interval | null {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new CoreArgumentError(`wilsonInterval needs integers 0 <= successes <= n, got ${successes} of ${n}`);
  }
  if (n === 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * 95% percentile interval of balanced accuracy by resampling each class's images with
 * replacement (class sizes fixed, so every replicate has the same classes as the data).
 * `correct[c]` and `count[c]` are the held-out hits and images of class c (classes with no image
 * are left out, as balanced accuracy leaves them out). Null when no class has an image.
 */
export function balancedAccuracyInterval(correct: readonly number[], count: readonly number[], seed = 1, replicates = 2000): Interval | null {
  if (correct.length !== count.length) throw new CoreArgumentError(`${correct.length} hit counts for ${count.length} classes`);
  const present = count.map((n, c) => ({ n, k: correct[c] as number })).filter((x) => x.n > 0);
  if (present.length === 0) return null;
  const rng = createRng(seed);
  const values = new Float64Array(replicates);
  for (let r = 0; r < replicates; r++) {
    let sum = 0;
    for (const { n, k } of present) {
      // A class's resampled hits: n draws from its own images, k of which were right.
      let hits = 0;
      for (let i = 0; i < n; i++) if (rng.int(n) < k) hits++;
      sum += hits / n;
    }
    values[r] = sum / present.length;
  }
  values.sort();
  const at = (q: number) => values[Math.min(replicates - 1, Math.max(0, Math.floor(q * replicates)))] as number;
  return [at(0.025), at(0.975)];
}
