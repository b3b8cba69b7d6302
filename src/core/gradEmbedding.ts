/**
 * BADGE-style gradient embeddings (Ash et al., ICLR 2020): for each class j, block j of
 * g(x) is h(x) * (1[j == y] - p_j(x)), so g has D * C dims (class-major blocks of D, as in
 * the official `get_grad_embedding`). y = argmax p (first max) unless labels are given.
 *
 * g(x) = h(x) (outer) v(x) with v = onehot(y) - p is rank-1, so squared distances factor:
 *   ||g_a - g_b||^2 = |h_a|^2 |v_a|^2 + |h_b|^2 |v_b|^2 - 2 <h_a, h_b> <v_a, v_b>
 * which costs O(D + C) instead of O(D * C) and never materialises the N x DC matrix.
 */
import { type Matrix } from './matrix';
import { argmaxRow } from './uncertainty';
import { dotsWithRow4 } from './distance';

export interface GradEmbeddingFactors {
  /** N x D penultimate features h. */
  readonly features: Matrix;
  /** N x C coefficients v = onehot(y) - p. */
  readonly coeffs: Matrix<Float64Array>;
  /** |h|^2 per row. */
  readonly featureSqNorms: Float64Array;
  /** |v|^2 per row. */
  readonly coeffSqNorms: Float64Array;
  /** |g|^2 = |h|^2 |v|^2 per row. */
  readonly sqNorms: Float64Array;
}

export function gradEmbeddingFactors(features: Matrix, probs: Matrix, labels?: ArrayLike<number>): GradEmbeddingFactors {
  const N = features.rows;
  const C = probs.cols;
  const D = features.cols;
  const coeffs = new Float64Array(N * C);
  const featureSqNorms = new Float64Array(N);
  const coeffSqNorms = new Float64Array(N);
  const sqNorms = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const y = labels ? (labels[i] as number) : argmaxRow(probs, i);
    let vs = 0;
    for (let j = 0; j < C; j++) {
      const v = (j === y ? 1 : 0) - (probs.data[i * C + j] as number);
      coeffs[i * C + j] = v;
      vs += v * v;
    }
    let hs = 0;
    for (let k = 0; k < D; k++) hs += (features.data[i * D + k] as number) ** 2;
    featureSqNorms[i] = hs;
    coeffSqNorms[i] = vs;
    sqNorms[i] = hs * vs;
  }
  return { features, coeffs: { data: coeffs, rows: N, cols: C }, featureSqNorms, coeffSqNorms, sqNorms };
}

/** Squared Euclidean distance between g_a[i] and g_b[j] via the rank-1 factorisation. */
export function gradSqDist(a: GradEmbeddingFactors, i: number, b: GradEmbeddingFactors, j: number): number {
  const D = a.features.cols;
  const C = a.coeffs.cols;
  const ah = a.features.data;
  const bh = b.features.data;
  const av = a.coeffs.data;
  const bv = b.coeffs.data;
  let hd = 0;
  for (let k = 0, ao = i * D, bo = j * D; k < D; k++) hd += (ah[ao + k] as number) * (bh[bo + k] as number);
  let vd = 0;
  for (let k = 0, ao = i * C, bo = j * C; k < C; k++) vd += (av[ao + k] as number) * (bv[bo + k] as number);
  return (a.sqNorms[i] as number) + (b.sqNorms[j] as number) - 2 * hd * vd;
}

/** The explicit N x (D*C) embeddings (or only the given rows). Float64. */
export function materializeGradEmbeddings(f: GradEmbeddingFactors, rowsToTake?: ArrayLike<number>): Matrix<Float64Array> {
  const D = f.features.cols;
  const C = f.coeffs.cols;
  const n = rowsToTake ? rowsToTake.length : f.features.rows;
  const out = new Float64Array(n * D * C);
  for (let r = 0; r < n; r++) {
    const i = rowsToTake ? (rowsToTake[r] as number) : r;
    const base = r * D * C;
    for (let j = 0; j < C; j++) {
      const v = f.coeffs.data[i * C + j] as number;
      const o = base + j * D;
      for (let k = 0; k < D; k++) out[o + k] = (f.features.data[i * D + k] as number) * v;
    }
  }
  return { data: out, rows: n, cols: D * C };
}

/** Convenience: explicit gradient embeddings of every row. */
export function gradientEmbeddings(features: Matrix, probs: Matrix, labels?: ArrayLike<number>): Matrix<Float64Array> {
  return materializeGradEmbeddings(gradEmbeddingFactors(features, probs, labels));
}

/**
 * minDist[i] = min(minDist[i], max(0, ||g_i - g_c||^2)) for every row i, with g_c = row c of
 * the same set. Four rows per pass over h_c (see distance.ts); used by BADGE's k-means++.
 */
export function lowerToGradRow(f: GradEmbeddingFactors, c: number, minDist: Float64Array): void {
  const N = f.features.rows;
  const D = f.features.cols;
  const C = f.coeffs.cols;
  const h = f.features.data;
  const v = f.coeffs.data;
  const sq = f.sqNorms;
  const hc = c * D;
  const vc = c * C;
  const sc = sq[c] as number;
  const hd = new Float64Array(4); // scratch: typed-array slots keep doubles unboxed
  for (let i = 0; i < N; i += 4) {
    const rows = Math.min(4, N - i);
    dotsWithRow4(h, D, i, rows, h, hc, hd);
    for (let r = 0; r < rows; r++) {
      const ii = i + r;
      let vd = 0;
      for (let k = 0, o = ii * C; k < C; k++) vd += (v[o + k] as number) * (v[vc + k] as number);
      const d = (sq[ii] as number) + sc - 2 * (hd[r] as number) * vd;
      const x = d > 0 ? d : 0;
      if (x < (minDist[ii] as number)) minDist[ii] = x;
    }
  }
}
