/**
 * DP-FedAvg's arithmetic (McMahan et al. 2018, "Learning Differentially Private Recurrent
 * Language Models"; adaptive clipping after Andrew et al. 2021): each client's model delta is
 * clipped to an L2 norm C; the round's weighted sum uses client weights capped to [0, 1] and a
 * fixed denominator D, so one client moves the sum by at most C whatever the weights; Gaussian
 * noise of std z * C on the sum (central: the server adds it; distributed: each of n clients adds
 * std z * C / sqrt(n), which sums to the same when all n report). Randomness is injected: the
 * product draws from a cryptographic source, tests from a seeded one.
 */

export class DpArgumentError extends Error {
  override readonly name = 'DpArgumentError';
}

export function l2Norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/** The delta scaled onto the ball of radius maxNorm (unchanged inside it); its norm before. */
export function clipToNorm(delta: Float32Array, maxNorm: number): { clipped: Float32Array; norm: number; factor: number } {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new DpArgumentError(`clipping norm must be a positive number, got ${maxNorm}`);
  const norm = l2Norm(delta);
  if (!Number.isFinite(norm)) throw new DpArgumentError('the update holds a non-finite value (NaN or infinity)');
  const factor = norm > maxNorm ? maxNorm / norm : 1;
  const clipped = new Float32Array(delta.length);
  for (let i = 0; i < delta.length; i++) clipped[i] = (delta[i] as number) * factor;
  return { clipped, norm, factor };
}

/** Standard normal draws from a uniform (0, 1) source: Box-Muller, both outputs used. */
export function normalSampler(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = uniform();
    while (u <= 0) u = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/** Adds N(0, std^2) to every value, in place. */
export function addGaussianNoise(v: Float32Array, std: number, normal: () => number): void {
  if (!(std >= 0) || !Number.isFinite(std)) throw new DpArgumentError(`noise std must be >= 0, got ${std}`);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) + std * normal();
}

export interface NoisePlan {
  /** Std of the noise on the weighted sum of clipped deltas: z * C. */
  sumStd: number;
  /** Std of the noise on the averaged update: z * C / D. */
  averageStd: number;
  /** With distributed noise: what each client adds to its own (pre-scaled) contribution. */
  perClientStd: number;
}

/**
 * The noise of one round. `expectedClients` n is the number whose shares make up the sum's noise
 * (distributed noise: when fewer report, the sum is less noised than stated, so the round should
 * count only if at least n reported); `denominator` D is the fixed total weight.
 */
export function noisePlan(noiseMultiplier: number, clipNorm: number, denominator: number, expectedClients: number): NoisePlan {
  if (!(noiseMultiplier > 0)) throw new DpArgumentError(`noise multiplier must be > 0, got ${noiseMultiplier}: zero noise gives no differential privacy`);
  if (!(clipNorm > 0)) throw new DpArgumentError(`clipping norm must be > 0, got ${clipNorm}`);
  if (!(denominator > 0)) throw new DpArgumentError(`the fixed denominator must be > 0, got ${denominator}`);
  if (!Number.isInteger(expectedClients) || expectedClients < 1) throw new DpArgumentError(`expected clients must be a whole number >= 1, got ${expectedClients}`);
  const sumStd = noiseMultiplier * clipNorm;
  return { sumStd, averageStd: sumStd / denominator, perClientStd: sumStd / Math.sqrt(expectedClients) };
}

/** A client weight capped to [0, 1] of the cap (the sensitivity bound needs every weight <= 1). */
export function cappedWeight(labelCount: number, cap: number): number {
  if (!(cap > 0)) throw new DpArgumentError(`weight cap must be > 0, got ${cap}`);
  return Math.min(1, Math.max(0, labelCount) / cap);
}

/**
 * Adaptive clipping (Andrew et al. 2021, geometric update): C <- C * exp(-lr * (b - target)),
 * where b is the (noised) fraction of clients whose delta norm was within C and target the
 * quantile aimed at. Moves C towards the target quantile of the clients' norms.
 */
export function adaptClipNorm(clipNorm: number, fractionUnclipped: number, targetQuantile: number, learningRate: number): number {
  if (!(targetQuantile > 0 && targetQuantile < 1)) throw new DpArgumentError(`target quantile must be in (0, 1), got ${targetQuantile}`);
  return clipNorm * Math.exp(-learningRate * (fractionUnclipped - targetQuantile));
}

/** Adaptive clipping's settings (Andrew et al. 2021; their defaults: quantile 0.5, rate 0.2). */
export interface AdaptiveClipping {
  targetQuantile: number;
  learningRate: number;
  /** Noise on the count of unclipped clinics, as a multiple of one clinic's contribution (1). */
  countNoiseMultiplier: number;
}

/**
 * The noise multiplier left for the model delta when the clipped-count query also runs, so that
 * the two together cost what z alone would (Andrew et al. 2021, Thm. 1):
 * z_delta = (z^-2 - (2 sigma_b)^-2)^(-1/2). Needs sigma_b > z / 2 (their default: clinics / 20).
 */
export function deltaNoiseMultiplier(z: number, countNoiseMultiplier: number): number {
  const rest = z ** -2 - (2 * countNoiseMultiplier) ** -2;
  if (!(rest > 0)) throw new DpArgumentError(`adaptive clipping's count noise ${countNoiseMultiplier} must exceed half the noise multiplier (${(z / 2).toPrecision(3)})`);
  return rest ** -0.5;
}
