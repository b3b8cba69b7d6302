/**
 * FairFAL step 3: class prototypes from labeled global-model features and prototype-guided
 * pseudo-label probabilities (official `get_class_prototypes` + `proto_probs_from_embeddings`).
 */
import { type Matrix, zeros } from '../matrix';

const NORM_EPS = 1e-12; // F.normalize's eps: x / max(||x||, eps)

/** Rows scaled to unit L2 length (zero rows stay zero). Float64 copy. */
export function l2NormalizeRows(m: Matrix): Matrix<Float64Array> {
  const out = zeros(m.rows, m.cols);
  const { cols } = m;
  for (let i = 0; i < m.rows; i++) {
    const o = i * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += (m.data[o + j] as number) ** 2;
    const inv = 1 / Math.max(Math.sqrt(s), NORM_EPS);
    for (let j = 0; j < cols; j++) out.data[o + j] = (m.data[o + j] as number) * inv;
  }
  return out;
}

export interface ClassPrototypes {
  /** C x D, unit length; a class without labeled samples keeps a zero row. */
  prototypes: Matrix<Float64Array>;
  /** Labeled samples per class. */
  counts: Int32Array;
}

/**
 * mu_c = mean of the L2-normalised features of class c, then scaled to unit length.
 * (The official code skips the final rescale only when every prototype is already within
 * 1e-3 of unit length; FAIRFAL.md specifies unit length, which we always apply.)
 */
export function classPrototypes(labeledFeatures: Matrix, labels: ArrayLike<number>, numClasses: number): ClassPrototypes {
  const D = labeledFeatures.cols;
  const z = l2NormalizeRows(labeledFeatures);
  const protos = zeros(numClasses, D);
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < z.rows; i++) {
    const y = labels[i] as number;
    counts[y] = (counts[y] as number) + 1;
    for (let j = 0; j < D; j++) protos.data[y * D + j] = (protos.data[y * D + j] as number) + (z.data[i * D + j] as number);
  }
  for (let c = 0; c < numClasses; c++) {
    const n = counts[c] as number;
    if (n === 0) continue;
    for (let j = 0; j < D; j++) protos.data[c * D + j] = (protos.data[c * D + j] as number) / n;
  }
  return { prototypes: l2NormalizeRows(protos), counts };
}

/**
 * p(c|x) = softmax_c(<z(x), mu_c> / T) with z the L2-normalised feature; classes with no
 * labeled sample get probability 0. If no class has a labeled sample, every row is uniform
 * (the official code masks with the dtype's min value, which softmaxes to uniform).
 */
export function prototypeProbs(
  features: Matrix,
  proto: ClassPrototypes,
  temperature = 1.5,
): Matrix<Float64Array> {
  const { prototypes, counts } = proto;
  const C = prototypes.rows;
  const D = features.cols;
  const N = features.rows;
  const out = zeros(N, C);
  let anyPresent = false;
  for (let c = 0; c < C; c++) if ((counts[c] as number) > 0) anyPresent = true;
  const logits = new Float64Array(C);
  for (let i = 0; i < N; i++) {
    const o = i * C;
    if (!anyPresent) {
      out.data.fill(1 / C, o, o + C);
      continue;
    }
    let sq = 0;
    for (let k = 0; k < D; k++) sq += (features.data[i * D + k] as number) ** 2;
    const inv = 1 / Math.max(Math.sqrt(sq), NORM_EPS);
    let max = -Infinity;
    for (let c = 0; c < C; c++) {
      if ((counts[c] as number) === 0) continue;
      let dot = 0;
      for (let k = 0; k < D; k++) dot += (features.data[i * D + k] as number) * (prototypes.data[c * D + k] as number);
      const l = (dot * inv) / temperature;
      logits[c] = l;
      if (l > max) max = l;
    }
    let sum = 0;
    for (let c = 0; c < C; c++) {
      if ((counts[c] as number) === 0) continue;
      const e = Math.exp((logits[c] as number) - max);
      out.data[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < C; c++) out.data[o + c] = (out.data[o + c] as number) / sum;
  }
  return out;
}
