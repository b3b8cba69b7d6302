/**
 * Batched inference (eval-mode BatchNorm): softmax probabilities, penultimate features,
 * FairFAL's class-balanced mean probabilities and BADGE gradient embeddings, and metrics.
 */
import * as tf from '@tensorflow/tfjs';
import { gradientEmbeddings } from '../../core/gradEmbedding';
import { matrix } from '../../core/matrix';
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
  noInformationWhereNotFinite(probs, features, n, C, o.features ? D : 0);
  return { count: n, numClasses: C, probs, featureDim: o.features ? D : 0, features };
}

/**
 * A model whose outputs are not finite (weights blown up, e.g. by differential-privacy noise
 * far larger than the updates) says nothing about those images: their probabilities become
 * uniform and their features zero, so every step after it (gamma_k, the query, the metrics)
 * still runs and measures such a model at chance instead of failing on NaN.
 */
function noInformationWhereNotFinite(probs: Float32Array, features: Float32Array, n: number, C: number, D: number): void {
  for (let r = 0; r < n; r++) {
    let finite = true;
    for (let c = 0; c < C && finite; c++) finite = Number.isFinite(probs[r * C + c] as number);
    for (let d = 0; d < D && finite; d++) finite = Number.isFinite(features[r * D + d] as number);
    if (finite) continue;
    probs.fill(1 / C, r * C, (r + 1) * C);
    if (D > 0) features.fill(0, r * D, (r + 1) * D);
  }
}

export async function evaluate(model: ModelHandle, ws: WeightSet, data: ImageSet, indices: ArrayLike<number>, o: PredictOptions = {}): Promise<ClassificationMetrics> {
  const p = await predict(model, ws, data, indices, { ...o, features: false });
  const truth = Int32Array.from(indices, (i) => data.labels[i] as number);
  return classificationMetrics(truth, argmaxRows(p.probs, p.numClasses), p.numClasses);
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
    // core's BADGE gradient embeddings (block j = h * (1[j == y] - p_j)), one definition.
    embeddings: Float32Array.from(gradientEmbeddings(matrix(h.features, h.count, h.featureDim), matrix(p.probs, h.count, h.numClasses), o.labels).data),
    features: h.features,
    probs: p.probs,
  };
}
