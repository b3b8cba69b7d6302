/**
 * FairFAL step 2: which model measures uncertainty, and which model's softmax goes into the
 * gradient embeddings (FAIRFAL.md §2; official `query_model_selection` and `query`).
 */
import { QueryInputError } from '../errors';
import { type Matrix } from '../matrix';

export type ModelChoice = 'global' | 'local';

/**
 * Class-balanced mean softmax over a labeled set: the average over PRESENT classes of the
 * per-class mean softmax vector. This is the exact expectation of the official code's
 * upsample-with-replacement view (deterministic, no RNG). Empty labeled set => zeros.
 */
export function classBalancedMeanProbs(probs: Matrix, labels: ArrayLike<number>): Float64Array {
  const C = probs.cols;
  const sums = new Float64Array(C * C);
  const counts = new Float64Array(C);
  for (let i = 0; i < probs.rows; i++) {
    const y = labels[i] as number;
    counts[y] = (counts[y] as number) + 1;
    const o = i * C;
    for (let j = 0; j < C; j++) sums[y * C + j] = (sums[y * C + j] as number) + (probs.data[o + j] as number);
  }
  const out = new Float64Array(C);
  let present = 0;
  for (let c = 0; c < C; c++) {
    const n = counts[c] as number;
    if (n === 0) continue;
    present++;
    for (let j = 0; j < C; j++) out[j] = (out[j] as number) + (sums[c * C + j] as number) / n;
  }
  if (present > 0) for (let j = 0; j < C; j++) out[j] = (out[j] as number) / present;
  return out;
}

/** Classes with at least one labeled sample, ascending. */
export function presentClasses(labels: ArrayLike<number>, numClasses: number): number[] {
  const seen = new Uint8Array(numClasses);
  for (let i = 0; i < labels.length; i++) seen[labels[i] as number] = 1;
  const out: number[] = [];
  for (let c = 0; c < numClasses; c++) if (seen[c]) out.push(c);
  return out;
}

/** gamma_k = min_c pi_g[c] / max_c pi_g[c] over the present classes. */
export function globalRatio(globalMeanProbs: ArrayLike<number>, present: readonly number[]): number {
  if (present.length === 0) throw new QueryInputError('empty-pool', 'gamma_k needs at least one labeled class');
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of present) {
    const v = globalMeanProbs[c] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // A model that gives none of the clinic's classes any probability (it predicts an absent class
  // everywhere, e.g. weights ruined by DP noise) has no balance to measure: 0, as unbalanced as it
  // gets, so FairFAL leans on the local model rather than on NaN.
  if (!(hi > 0)) return 0;
  return lo / hi;
}

/**
 * d_k = mean over ALL classes of |g - l| / (g + l), written as the official
 * 0.5 * mean(|g - l| / (0.5 g + 0.5 l)). A class where both are exactly 0 contributes 0.
 */
export function predictionDivergence(globalMeanProbs: ArrayLike<number>, localMeanProbs: ArrayLike<number>): number {
  const C = globalMeanProbs.length;
  if (localMeanProbs.length !== C) {
    throw new QueryInputError('shape-mismatch', `local mean probs have ${localMeanProbs.length} classes, global ${C}`);
  }
  let s = 0;
  for (let c = 0; c < C; c++) {
    const g = globalMeanProbs[c] as number;
    const l = localMeanProbs[c] as number;
    const den = 0.5 * g + 0.5 * l;
    if (den !== 0) s += Math.abs(g - l) / den;
  }
  return 0.5 * (s / C);
}

/** gamma_bar = mean of the clients' gamma_k (server side; frozen after the first cycle). */
export function aggregateGammaBar(gammas: readonly number[]): number {
  if (gammas.length === 0) throw new QueryInputError('empty-pool', 'gamma_bar needs at least one client gamma_k');
  let s = 0;
  for (let i = 0; i < gammas.length; i++) {
    const g = gammas[i] as number;
    if (!Number.isFinite(g)) throw new QueryInputError('non-finite', `gamma_k of client ${i} is ${g}`);
    s += g;
  }
  return s / gammas.length;
}

export interface QueryModelDecision {
  /** s_k = 1 - 0.5 * (d_k + gamma_bar). */
  score: number;
  delta: number;
  model: ModelChoice;
}

/** Query model for uncertainty: global if s_k > delta (default 0.75), else local-only. */
export function decideQueryModel(divergence: number, gammaBar: number, delta = 0.75): QueryModelDecision {
  const score = 1 - 0.5 * (divergence + gammaBar);
  return { score, delta, model: score > delta ? 'global' : 'local' };
}

/** Gradient-embedding source: the global model if gamma_bar < 0.5, else the local-only model. */
export function decideGradSource(gammaBar: number): ModelChoice {
  return gammaBar < 0.5 ? 'global' : 'local';
}
