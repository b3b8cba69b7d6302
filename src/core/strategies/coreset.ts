/**
 * Core-set (Sener & Savarese, "Active Learning for Convolutional Neural Networks: A Core-Set
 * Approach", ICLR 2018; official FAL code: raymin0223/LoGo `query_strategies/core_set.py`,
 * `furthest_first`). Greedy k-center on the global model's penultimate features of the
 * unlabeled pool, with the client's labeled samples as the initial centers: every pick is the
 * sample farthest (squared Euclidean, same argmax as Euclidean) from its nearest center,
 * first index on ties. With no labeled samples all distances start at +Infinity and the
 * first pick is index 0, as in the official code. Worst case O(N (L + b) D) time, usually
 * far less thanks to lazy exact distances (below); O(N) extra memory.
 */
import { argmaxFirst } from '../kcenter';
import { lowerToRow } from '../distance';
import { type Matrix, rowSquaredNorms } from '../matrix';
import { type ScoreReason } from './types';
import { defineStrategy, sortedIndices } from './validate';

/** Labeled anchors used for the cheap initial upper bounds (evenly spaced, deterministic). */
const BOUND_ANCHORS = 32;

/**
 * Greedy k-center with labeled centers, exact but lazy: every point starts with an upper bound
 * (distance to a few labeled anchors) and only points that could be the farthest get their
 * exact distance to all L labeled samples. A point whose exact value is the maximum over all
 * bounds is the true farthest point (first index on ties, as an eager argmax). This skips most
 * of the N x L x D initial pass. Returns picks and their squared distance at pick time.
 */
export function coresetGreedy(x: Matrix, lab: Matrix, budget: number): { picks: Int32Array; distances: Float64Array } {
  const N = x.rows;
  const L = lab.rows;
  const xn = rowSquaredNorms(x);
  const ln = rowSquaredNorms(lab);
  const value = new Float64Array(N).fill(Infinity);
  const exact = new Uint8Array(N);
  const S = Math.min(L, BOUND_ANCHORS);
  for (let t = 0; t < S; t++) lowerToRow(x, xn, lab, ln, Math.floor((t * L) / S), value);
  if (S === L) exact.fill(1);
  // Resolve a batch of points exactly: gather their rows so the 4-row kernel applies.
  const resolve = (batch: number[]): void => {
    const D = x.cols;
    const rows = new Float64Array(batch.length * D);
    const norms = new Float64Array(batch.length);
    const md = new Float64Array(batch.length);
    batch.forEach((i, r) => {
      rows.set(x.data.subarray(i * D, (i + 1) * D), r * D);
      norms[r] = xn[i] as number;
      md[r] = value[i] as number;
    });
    const m: Matrix = { data: rows, rows: batch.length, cols: D };
    for (let j = 0; j < L; j++) lowerToRow(m, norms, lab, ln, j, md);
    batch.forEach((i, r) => {
      value[i] = md[r] as number;
      exact[i] = 1;
    });
  };
  const want = Math.min(budget, N);
  const picks = new Int32Array(want);
  const distances = new Float64Array(want);
  for (let n = 0; n < want; n++) {
    let j = -1;
    for (;;) {
      // Best exact value (first index on ties), then every bound that could beat or tie it.
      let bestE = -Infinity;
      j = -1;
      for (let i = 0; i < N; i++) {
        if (exact[i] && (j < 0 || (value[i] as number) > bestE)) {
          bestE = value[i] as number;
          j = i;
        }
      }
      const batch: number[] = [];
      if (j < 0) batch.push(argmaxFirst(value));
      else for (let i = 0; i < N; i++) if (!exact[i] && (value[i] as number) >= bestE && (value[i] as number) > -Infinity) batch.push(i);
      if (batch.length === 0) break;
      resolve(batch);
    }
    picks[n] = j;
    distances[n] = value[j] as number;
    lowerToRow(x, xn, x, xn, j, value);
    value[j] = -Infinity;
  }
  return { picks, distances };
}

export const coresetStrategy = defineStrategy('coreset', ['globalFeatures', 'labeledGlobalFeatures'], (q) => {
  const { picks, distances } = coresetGreedy(q.input.globalFeatures as Matrix, q.input.labeledGlobalFeatures as Matrix, q.budget);
  const reasons: ScoreReason[] = Array.from(picks, (index, rank) => {
    const d = distances[rank] as number;
    return { kind: 'score', index, rank, metric: 'kcenter-sq-distance', value: Number.isFinite(d) ? d : null };
  });
  return { selected: sortedIndices(picks), reasons };
});
