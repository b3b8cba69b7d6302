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
 * 95% interval of balanced accuracy: each class's recall drawn from its Jeffreys posterior
 * Beta(hits + 1/2, misses + 1/2), their mean taken, 2.5th and 97.5th percentiles of the means.
 * A plain bootstrap would resample a class of one image into the same hit or miss every time
 * and report a zero-width interval exactly where the figure is least certain; the posterior
 * keeps that uncertainty and, at large n, agrees with the bootstrap. `correct[c]` and
 * `count[c]` are class c's held-out hits and images (classes with no image are left out, as
 * balanced accuracy leaves them out). Null when no class has an image.
 */
export function balancedAccuracyInterval(correct: readonly number[], count: readonly number[], seed = 1, replicates = 4000): Interval | null {
  if (correct.length !== count.length) throw new CoreArgumentError(`${correct.length} hit counts for ${count.length} classes`);
  const present = count.map((n, c) => ({ n, k: correct[c] as number })).filter((x) => x.n > 0);
  if (present.length === 0) return null;
  const rng = createRng(seed);
  const values = new Float64Array(replicates);
  for (let r = 0; r < replicates; r++) {
    let sum = 0;
    for (const { n, k } of present) {
      const a = rng.gamma(k + 0.5);
      const b = rng.gamma(n - k + 0.5);
      sum += a / (a + b);
    }
    values[r] = sum / present.length;
  }
  values.sort();
  const at = (q: number) => values[Math.min(replicates - 1, Math.max(0, Math.floor(q * replicates)))] as number;
  // The posterior leans toward 1/2 at tiny n; the interval always holds the figure it qualifies.
  const estimate = present.reduce((s, x) => s + x.k / x.n, 0) / present.length;
  return [Math.min(at(0.025), estimate), Math.max(at(0.975), estimate)];
}
