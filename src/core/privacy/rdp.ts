/**
 * Rényi-DP accountant of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar & Zhang 2019,
 * "Rényi Differential Privacy of the Sampled Gaussian Mechanism", Section 3.3), what DP-FedAvg's
 * client-level guarantee composes over rounds (McMahan et al. 2018): sampling rate q (clients
 * drawn per round / clients), noise multiplier sigma (noise std / clipping norm), steps = rounds.
 * RDP turns into (epsilon, delta) by the conversion of Balle et al. 2020 (Prop. 12), minimised
 * over orders. Tested against TensorFlow Privacy's published reference values (rdp.test.ts).
 */
import { logAdd, logBinomial, logErfc, logSub } from './log-math';

/** Orders the accountant tries (TF Privacy's usual grid). */
export const DEFAULT_ORDERS: readonly number[] = [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, ...Array.from({ length: 59 }, (_, i) => 5 + i), 64, 80, 96, 128, 256, 512];

export class AccountantError extends Error {
  override readonly name = 'AccountantError';
}

/** log A_alpha for integer alpha: a finite binomial sum. */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  for (let k = 0; k <= alpha; k++) {
    const { log: lb } = logBinomial(alpha, k);
    const term = lb + k * Math.log(q) + (alpha - k) * Math.log1p(-q) + (k * k - k) / (2 * sigma * sigma);
    logA = logAdd(logA, term);
  }
  return logA;
}

/** log A_alpha for fractional alpha: the two alternating series of the paper, summed until negligible. */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  for (let i = 0; ; i++) {
    const { log: lb, sign } = logBinomial(alpha, i);
    const j = alpha - i;
    const logT0 = lb + i * Math.log(q) + j * Math.log1p(-q);
    const logT1 = lb + j * Math.log(q) + i * Math.log1p(-q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (sign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30 || i > 10_000) break;
  }
  return logAdd(logA0, logA1);
}

/** RDP of one step at order alpha. */
function rdpOneStep(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (alpha === Infinity) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  const logA = Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** RDP epsilons at `orders` after `steps` rounds of sampling rate q and noise multiplier sigma. */
export function rdpSampledGaussian(q: number, sigma: number, steps: number, orders: readonly number[]): number[] {
  if (!(q >= 0 && q <= 1)) throw new AccountantError(`sampling rate must be in [0, 1], got ${q}`);
  if (!(sigma > 0)) throw new AccountantError(`noise multiplier must be > 0, got ${sigma}`);
  if (!Number.isInteger(steps) || steps < 0) throw new AccountantError(`steps must be a whole number >= 0, got ${steps}`);
  for (const a of orders) if (!(a > 1)) throw new AccountantError(`RDP orders must be > 1, got ${a}`);
  return orders.map((a) => rdpOneStep(q, sigma, a) * steps);
}

/** (epsilon, delta) from RDP: the best order by Balle et al. 2020's conversion. */
export function epsilonFromRdp(orders: readonly number[], rdp: readonly number[], delta: number): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new AccountantError(`delta must be in (0, 1), got ${delta}`);
  if (orders.length !== rdp.length) throw new AccountantError(`${orders.length} orders for ${rdp.length} RDP values`);
  let best = { epsilon: Infinity, order: NaN };
  orders.forEach((a, i) => {
    const r = rdp[i] as number;
    if (!Number.isFinite(r)) return;
    const eps = Math.max(0, r + Math.log1p(-1 / a) - (Math.log(delta) + Math.log(a)) / (a - 1));
    if (eps < best.epsilon) best = { epsilon: eps, order: a };
  });
  return best;
}

/**
 * A federation's client-level guarantee after `rounds` rounds of DP-FedAvg in which every
 * enrolled clinic takes part (no sampling: q = 1), as (epsilon, delta).
 */
export function federationEpsilon(noiseMultiplier: number, rounds: number, delta: number): number {
  if (rounds === 0) return 0;
  return epsilonFromRdp(DEFAULT_ORDERS, rdpSampledGaussian(1, noiseMultiplier, rounds, DEFAULT_ORDERS), delta).epsilon;
}

/**
 * The smallest noise multiplier (to 0.1%) whose epsilon over `rounds` stays within `targetEpsilon`:
 * for an admin who sets the budget and lets the noise follow. Epsilon falls as the noise grows,
 * so a bisection on log z finds it.
 */
export function noiseForEpsilon(targetEpsilon: number, rounds: number, delta: number): number {
  if (!(targetEpsilon > 0)) throw new RangeError(`target epsilon must be > 0, got ${targetEpsilon}`);
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new RangeError(`rounds must be a whole number >= 1, got ${rounds}`);
  let lo = 0.01;
  let hi = 1000;
  if (federationEpsilon(hi, rounds, delta) > targetEpsilon) throw new RangeError(`epsilon ${targetEpsilon} over ${rounds} rounds needs a noise multiplier above ${hi}`);
  if (federationEpsilon(lo, rounds, delta) <= targetEpsilon) return lo;
  while (hi / lo > 1.001) {
    const mid = Math.sqrt(lo * hi);
    if (federationEpsilon(mid, rounds, delta) > targetEpsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}
