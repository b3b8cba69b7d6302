/**
 * Per-sample uncertainty scores over softmax rows, and an index ranking that breaks ties
 * like the reference code does in practice: by lower index first (stable sort).
 */
import { type Matrix } from './matrix';

/**
 * H(x) / log C with FairFAL's official formula: -(p * log(p + 1e-12)).sum() / log(C).
 * C = 1 gives 0 (nothing to be uncertain about) instead of 0/0.
 */
export function normalizedEntropy(probs: Matrix): Float64Array {
  const { data, rows, cols } = probs;
  const out = new Float64Array(rows);
  const norm = cols > 1 ? Math.log(cols) : 0;
  for (let i = 0; i < rows; i++) {
    let h = 0;
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const p = data[o + j] as number;
      h -= p * Math.log(p + 1e-12);
    }
    out[i] = norm > 0 ? h / norm : 0;
  }
  return out;
}

/** Shannon entropy with 0 * log 0 = 0 (the Entropy/LoGo baselines zero out -inf logs). */
export function entropy(probs: Matrix): Float64Array {
  const { data, rows, cols } = probs;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let h = 0;
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const p = data[o + j] as number;
      if (p > 0) h -= p * Math.log(p);
    }
    out[i] = h;
  }
  return out;
}

/** Top-1 minus top-2 probability (small margin = uncertain). One class gives margin 1. */
export function margin(probs: Matrix): Float64Array {
  const { data, rows, cols } = probs;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let first = -Infinity;
    let second = -Infinity;
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const p = data[o + j] as number;
      if (p > first) {
        second = first;
        first = p;
      } else if (p > second) second = p;
    }
    out[i] = cols > 1 ? first - second : 1;
  }
  return out;
}

/** Index of the first maximum of row i (torch.argmax / np.argmax semantics). */
export function argmaxRow(m: Matrix, i: number): number {
  const { data, cols } = m;
  const o = i * cols;
  let best = 0;
  let bestV = data[o] as number;
  for (let j = 1; j < cols; j++) {
    const v = data[o + j] as number;
    if (v > bestV) {
      bestV = v;
      best = j;
    }
  }
  return best;
}

/** argmax of every row. */
export function argmaxRows(m: Matrix): Int32Array {
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = argmaxRow(m, i);
  return out;
}

/**
 * Indices of `scores` (optionally restricted to `subset`) ordered by score descending,
 * ties by lower index first; only the first `k` are returned.
 */
export function topKDescending(scores: ArrayLike<number>, k: number, subset?: ArrayLike<number>): Int32Array {
  const n = subset ? subset.length : scores.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = subset ? (subset[i] as number) : i;
  const s = scores;
  // Typed-array sort with a comparator is stable-free; the index tiebreak makes it total.
  idx.sort((a, b) => (s[b] as number) - (s[a] as number) || a - b);
  return k >= n ? idx : idx.slice(0, Math.max(0, k));
}

/** Indices ordered by score ascending, ties by lower index; first `k`. */
export function topKAscending(scores: ArrayLike<number>, k: number): Int32Array {
  const n = scores.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => (scores[a] as number) - (scores[b] as number) || a - b);
  return k >= n ? idx : idx.slice(0, Math.max(0, k));
}
