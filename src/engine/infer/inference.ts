/**
 * Batched inference (eval-mode BatchNorm): softmax probabilities, penultimate features,
 * FairFAL's class-balanced mean probabilities and BADGE gradient embeddings, and metrics.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng';
import type { WeightSet } from '../../core/weights';
import { makeBatch, validateImageSet, validateIndices, type ImageSet } from '../dataset';
import type { ModelHandle } from '../model';
import { disposeParams, uploadParams } from '../nn';
import { argmaxRows, classificationMetrics, type ClassificationMetrics } from './metrics';

export interface PredictOptions {
  batchSize?: number;
  features?: boolean;
  isCancelled?: () => boolean;
  /** Flip each image left-right with probability 1/2 (an eval pass over augmented training data). */
  flipRng?: Rng;
}

export interface Predictions {
  count: number;
  numClasses: number;
  /** [count, numClasses] row-major softmax probabilities. */
  probs: Float32Array;
  featureDim: number;
  /** [count, featureDim] penultimate features (empty unless requested). */
  features: Float32Array;
}

export class InferenceCancelledError extends Error {
  constructor() {
    super('inference was cancelled');
    this.name = 'InferenceCancelledError';
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

export async function predict(model: ModelHandle, ws: WeightSet, data: ImageSet, indices: ArrayLike<number>, o: PredictOptions = {}): Promise<Predictions> {
  validateImageSet(data);
  validateIndices(data, indices);
  const bs = o.batchSize ?? 256;
  const C = model.arch.config.numClasses;
  const D = model.arch.featureDim;
  const n = indices.length;
  const probs = new Float32Array(n * C);
  const features = new Float32Array(o.features ? n * D : 0);
  const idx = Int32Array.from(indices);
  const params = uploadParams(ws);
  try {
    for (let s = 0; s < n; s += bs) {
      if (o.isCancelled?.()) throw new InferenceCancelledError();
      const part = idx.subarray(s, Math.min(n, s + bs));
      tf.tidy(() => {
        const { x } = makeBatch(data, part, o.flipRng ?? null, model.arch.config.inputScaling);
        const out = model.net.forward(params, x, false);
        probs.set(tf.softmax(out.logits).dataSync() as Float32Array, s * C);
        if (o.features) features.set(out.features.dataSync() as Float32Array, s * D);
      });
      await tick();
    }
  } finally {
    disposeParams(params);
  }
  return { count: n, numClasses: C, probs, featureDim: o.features ? D : 0, features };
}

export async function evaluate(model: ModelHandle, ws: WeightSet, data: ImageSet, indices: ArrayLike<number>, o: PredictOptions = {}): Promise<ClassificationMetrics> {
  const p = await predict(model, ws, data, indices, { ...o, features: false });
  const truth = Int32Array.from(indices, (i) => data.labels[i] as number);
  return classificationMetrics(truth, argmaxRows(p.probs, p.numClasses), p.numClasses);
}

/**
 * FAIRFAL.md pi: the average over classes present in `labels` of the per-class mean softmax
 * (the exact expectation of the official class-balanced upsampling).
 */
export function classBalancedMeanProbs(probs: Float32Array, labels: ArrayLike<number>, numClasses: number): Float64Array {
  const sums = Array.from({ length: numClasses }, () => new Float64Array(numClasses));
  const counts = new Float64Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    counts[y] = (counts[y] as number) + 1;
    const row = sums[y] as Float64Array;
    for (let c = 0; c < numClasses; c++) row[c] = (row[c] as number) + (probs[i * numClasses + c] as number);
  }
  const out = new Float64Array(numClasses);
  let present = 0;
  for (let y = 0; y < numClasses; y++) {
    const cnt = counts[y] as number;
    if (cnt === 0) continue;
    present++;
    const row = sums[y] as Float64Array;
    for (let c = 0; c < numClasses; c++) out[c] = (out[c] as number) + (row[c] as number) / cnt;
  }
  if (present > 0) for (let c = 0; c < numClasses; c++) out[c] = (out[c] as number) / present;
  return out;
}

/**
 * BADGE gradient embeddings, [n, D*C]: block j = h(x) * (1[j == y] - p_j(x)), where h is the
 * penultimate feature (FairFAL: of the global model), p the softmax of the embedding-source
 * model, and y the given label (true label for labeled samples) or argmax p when omitted.
 */
export function gradientEmbeddings(features: Float32Array, featureDim: number, probs: Float32Array, numClasses: number, labels?: ArrayLike<number>): Float32Array {
  const n = probs.length / numClasses;
  if (features.length !== n * featureDim) throw new Error(`features hold ${features.length / featureDim} rows, probabilities ${n}`);
  if (labels && labels.length !== n) throw new Error(`${labels.length} labels for ${n} samples`);
  const pred = labels ? null : argmaxRows(probs, numClasses);
  const out = new Float32Array(n * featureDim * numClasses);
  for (let i = 0; i < n; i++) {
    const y = labels ? (labels[i] as number) : (pred as Int32Array)[i] as number;
    const h = features.subarray(i * featureDim, (i + 1) * featureDim);
    for (let j = 0; j < numClasses; j++) {
      const coef = (j === y ? 1 : 0) - (probs[i * numClasses + j] as number);
      const o = (i * numClasses + j) * featureDim;
      for (let d = 0; d < featureDim; d++) out[o + d] = (h[d] as number) * coef;
    }
  }
  return out;
}

export interface EmbedOptions extends PredictOptions {
  /** Source of p (FairFAL: global if gamma_bar < 0.5 else local); defaults to the feature model. */
  probsWeights?: WeightSet;
  /** True labels for labeled samples; argmax p otherwise. */
  labels?: ArrayLike<number>;
}

/** Gradient embeddings of `indices`: features from `featureWeights` (global), probabilities from `probsWeights`. */
export async function embed(model: ModelHandle, featureWeights: WeightSet, data: ImageSet, indices: ArrayLike<number>, o: EmbedOptions = {}) {
  const h = await predict(model, featureWeights, data, indices, { ...o, features: true });
  const p = o.probsWeights ? await predict(model, o.probsWeights, data, indices, { ...o, features: false }) : h;
  return {
    count: h.count,
    dim: h.featureDim * h.numClasses,
    embeddings: gradientEmbeddings(h.features, h.featureDim, p.probs, h.numClasses, o.labels),
    features: h.features,
    probs: p.probs,
  };
}
