// What a clinic puts into a secure-aggregation round, and how the server turns the unmasked sum
// back into the next global model (issue 19). The server never sees one clinic's update or label
// count, so everything an aggregator needs must be a sum: each clinic pre-scales its own
// contribution (its FedAvg weight rides inside the vector), clips to the round's norm bound
// itself (the server cannot check a masked upload), and with differential privacy adds its share
// of the Gaussian noise. Pure arithmetic, tested against the plaintext aggregators.
import { clipToBound } from '../aggregation';
import { addGaussianNoise, cappedWeight, clipToNorm, noisePlan } from '../privacy';
import { deltaNoise, type AggregationOutput, type AggregatorSpec, type DpSettings } from './aggregators';

/**
 * - weighted (FedAvg, FedProx): [w_k * delta_k, w_k], w_k = min(1, labels_k / weightCap);
 *   the model moves by sum(w delta) / sum(w), plaintext FedAvg's weighted mean.
 * - scaffold: [delta_k, controlDelta_k], unweighted as SCAFFOLD is; the server knows the count.
 * - dp (DP-FedAvg): w_k * clip(delta_k, C) + N(0, (zC)^2 / t); the sum over a fixed denominator.
 * - dp-adaptive: the same (z then leaves z_delta for the delta) plus one slot, [||delta_k|| <= C]
 *   + N(0, sigma_b^2 / t): the noised count of unclipped clinics that moves C (Andrew et al. 2021).
 */
export type SecureSumKind = 'weighted' | 'scaffold' | 'dp' | 'dp-adaptive';

export class SecureSumError extends Error {
  override readonly name = 'SecureSumError';
}

export interface SecureSumSettings {
  /** Labels at which a clinic's FedAvg weight is full (weighted kind). */
  weightCap: number;
}

export function secureSumKind(aggregation: AggregatorSpec, dp?: DpSettings): SecureSumKind {
  if (aggregation.name === 'median' || aggregation.name === 'trimmed-mean') {
    throw new SecureSumError(`secure aggregation reveals only a sum: '${aggregation.name}' needs every clinic's individual update`);
  }
  if (dp) {
    if (aggregation.name === 'scaffold') throw new SecureSumError('differential privacy is not supported with SCAFFOLD yet');
    return dp.adaptiveClipping ? 'dp-adaptive' : 'dp';
  }
  return aggregation.name === 'scaffold' ? 'scaffold' : 'weighted';
}

export function secureVectorLength(kind: SecureSumKind, paramCount: number): number {
  return kind === 'weighted' || kind === 'dp-adaptive' ? paramCount + 1 : kind === 'scaffold' ? 2 * paramCount : paramCount;
}

/** Fewest uploads a sum may be unmasked over: with 2, each clinic learns the other's update. */
export const MIN_SECURE_SURVIVORS = 3;

/**
 * Survivors needed to unmask: a strict majority (two disjoint groups could otherwise be asked
 * for both secrets of one clinic), at least `fraction` of the round's n members, and at least
 * 3 (a sum of two updates gives each its partner's). Above n for n < 3: such a round never unmasks.
 */
export function secureThreshold(n: number, fraction: number): number {
  return Math.max(MIN_SECURE_SURVIVORS, Math.min(n, Math.max(Math.floor(n / 2) + 1, Math.ceil(fraction * n - 1e-9))));
}

/** Fractional bits such that n values of at most `range` sum inside (-2^31, 2^31). */
export function secureScaleBits(range: number, n: number): number {
  const bits = Math.min(24, Math.floor(Math.log2(2 ** 31 / (n * range)) - 1e-9));
  if (bits < 8) throw new SecureSumError(`${n} clinics x range ${range} leave fewer than 8 fractional bits in the 32-bit sum: lower the range`);
  return bits;
}

/** The most members one secure round can sum at this range (secureScaleBits keeps 8 bits or more). */
export function maxSecureMembers(range: number): number {
  let n = Math.max(1, Math.floor(2 ** 23 / range));
  while (n > 1 && Math.floor(Math.log2(2 ** 31 / (n * range)) - 1e-9) < 8) n--;
  return n;
}

export interface ContributionInput {
  kind: SecureSumKind;
  /** The round's base model. */
  global: Float32Array;
  weights: Float32Array;
  controlDelta?: Float32Array | undefined;
  labelCount: number;
  /** The round's bound on ||weights - global|| (the server clips or refuses plaintext updates past it). */
  normBound: number;
  settings: SecureSumSettings;
  dp?: DpSettings | undefined;
  /** dp: the noise is split over this many contributions (the unmask threshold t). */
  noiseShares?: number;
  normal?: () => number;
}

export function secureContribution(input: ContributionInput): Float64Array {
  const { kind, global, weights } = input;
  if (weights.length !== global.length) throw new SecureSumError(`the update has ${weights.length} values, the model ${global.length}`);
  const bounded = clipToBound(weights, global, input.normBound).weights;
  const delta = new Float32Array(global.length);
  for (let i = 0; i < delta.length; i++) delta[i] = (bounded[i] as number) - (global[i] as number);
  const P = global.length;
  const out = new Float64Array(secureVectorLength(kind, P));
  if (kind === 'weighted') {
    const w = cappedWeight(input.labelCount, input.settings.weightCap);
    for (let i = 0; i < P; i++) out[i] = w * (delta[i] as number);
    out[P] = w;
  } else if (kind === 'scaffold') {
    const cd = input.controlDelta;
    if (!cd || cd.length !== P) throw new SecureSumError('a SCAFFOLD contribution needs the control delta, as long as the model');
    out.set(delta, 0);
    out.set(cd, P);
  } else {
    const dp = input.dp;
    if (!dp || !input.normal || !input.noiseShares) throw new SecureSumError('a differentially private contribution needs its settings, a noise source and the number of noise shares');
    const { clipped, norm } = clipToNorm(delta, dp.clipNorm);
    const w = cappedWeight(input.labelCount, dp.weightCap);
    const own = new Float32Array(P);
    for (let i = 0; i < P; i++) own[i] = w * (clipped[i] as number);
    addGaussianNoise(own, noisePlan(deltaNoise(dp), dp.clipNorm, 1, input.noiseShares).perClientStd, input.normal);
    out.set(own, 0);
    if (kind === 'dp-adaptive') {
      const sigmaB = dp.adaptiveClipping?.countNoiseMultiplier ?? 0;
      out[P] = (norm <= dp.clipNorm ? 1 : 0) + (sigmaB / Math.sqrt(input.noiseShares)) * input.normal();
    }
  }
  return out;
}

export interface SecureAggregateInput {
  kind: SecureSumKind;
  global: Float32Array;
  control: Float32Array | null;
  /** The unmasked, decoded sum of the contributions. */
  sum: Float64Array;
  /** How many contributions the sum holds (the server knows who uploaded, not what). */
  contributors: number;
  totalClients: number;
  scaffoldLearningRate?: number;
}

export function aggregateSecureSum(input: SecureAggregateInput): AggregationOutput {
  const { kind, global, sum, contributors } = input;
  const P = global.length;
  if (sum.length !== secureVectorLength(kind, P)) throw new SecureSumError(`the sum has ${sum.length} values, expected ${secureVectorLength(kind, P)}`);
  if (contributors < 1) throw new SecureSumError('nothing to aggregate: no contributions');
  const weights = new Float32Array(P);
  if (kind === 'weighted') {
    const total = sum[P] as number;
    if (!(total > 0)) throw new SecureSumError('the round\u2019s FedAvg weights sum to zero: no clinic had labels');
    for (let i = 0; i < P; i++) weights[i] = (global[i] as number) + (sum[i] as number) / total;
    return { weights };
  }
  if (kind === 'dp' || kind === 'dp-adaptive') {
    const D = Math.max(input.totalClients, contributors);
    for (let i = 0; i < P; i++) weights[i] = (global[i] as number) + (sum[i] as number) / D;
    return kind === 'dp' ? { weights } : { weights, unclippedFraction: (sum[P] as number) / contributors };
  }
  if (!input.control) throw new SecureSumError('SCAFFOLD round has no control variate');
  const lr = input.scaffoldLearningRate ?? 1;
  const N = Math.max(input.totalClients, contributors);
  const control = new Float32Array(P);
  for (let i = 0; i < P; i++) {
    weights[i] = (global[i] as number) + (lr * (sum[i] as number)) / contributors;
    control[i] = (input.control[i] as number) + (sum[P + i] as number) / N;
  }
  return { weights, control };
}
