/** Log-space arithmetic for the privacy accountant (probabilities far below float range). */

export function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(Math.min(a, b) - m));
}

/** log(exp(a) - exp(b)) for a >= b. */
export function logSub(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (a < b) throw new RangeError('logSub needs a >= b');
  if (a === b) return -Infinity;
  return a + Math.log(-Math.expm1(b - a));
}

/**
 * log(erfc(x)). Chebyshev fit of Numerical Recipes' erfcc (fractional error < 1.2e-7), kept in
 * log space so that erfc(40) ~ 1e-697 stays representable; erfc(x) = 2 - erfc(-x) below 0.
 */
export function logErfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const logPos = Math.log(t) + poly;
  return x >= 0 ? logPos : Math.log(2 - Math.exp(logPos));
}

/** log of the generalised binomial coefficient |C(alpha, k)| and its sign, for real alpha. */
export function logBinomial(alpha: number, k: number): { log: number; sign: 1 | -1 } {
  let log = 0;
  let sign: 1 | -1 = 1;
  for (let i = 0; i < k; i++) {
    const f = (alpha - i) / (i + 1);
    if (f === 0) return { log: -Infinity, sign: 1 };
    if (f < 0) sign = (sign === 1 ? -1 : 1);
    log += Math.log(Math.abs(f));
  }
  return { log, sign };
}
