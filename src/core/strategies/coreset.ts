/**
 * Core-set (Sener & Savarese, "Active Learning for Convolutional Neural Networks: A Core-Set
 * Approach", ICLR 2018; official FAL code: raymin0223/LoGo `query_strategies/core_set.py`,
 * `furthest_first`). Greedy k-center on the global model's penultimate features of the
 * unlabeled pool, with the client's labeled samples as the initial centers: every pick is the
 * sample farthest (squared Euclidean, same argmax as Euclidean) from its nearest center,
 * first index on ties. With no labeled samples all distances start at +Infinity and the
 * first pick is index 0, as in the official code. O(N (L + b) D) time, O(N) extra memory.
 */
import { greedyKCenter } from '../kcenter';
import { type Matrix } from '../matrix';
import { type ScoreReason } from './types';
import { defineStrategy, sortedIndices } from './validate';

/** Lower minDist[i] to the squared distance between x[i] and y[j], for every i. */
function lowerToCenter(x: Matrix, y: Matrix, j: number, minDist: Float64Array): void {
  const D = x.cols;
  const xd = x.data;
  const yd = y.data;
  const yo = j * D;
  for (let i = 0, xo = 0; i < x.rows; i++, xo += D) {
    const best = minDist[i] as number;
    let s = 0;
    let k = 0;
    // Early exit: once the partial sum passes the current best it cannot lower it.
    for (; k + 4 <= D; k += 4) {
      const a = (xd[xo + k] as number) - (yd[yo + k] as number);
      const b = (xd[xo + k + 1] as number) - (yd[yo + k + 1] as number);
      const c = (xd[xo + k + 2] as number) - (yd[yo + k + 2] as number);
      const d = (xd[xo + k + 3] as number) - (yd[yo + k + 3] as number);
      s += a * a + b * b + c * c + d * d;
      if (s >= best) break;
    }
    if (s >= best) continue;
    for (; k < D; k++) {
      const a = (xd[xo + k] as number) - (yd[yo + k] as number);
      s += a * a;
    }
    if (s < best) minDist[i] = s;
  }
}

export const coresetStrategy = defineStrategy('coreset', ['globalFeatures', 'labeledGlobalFeatures'], (q) => {
  const x = q.input.globalFeatures as Matrix;
  const lab = q.input.labeledGlobalFeatures as Matrix;
  const minDist = new Float64Array(x.rows).fill(Infinity);
  for (let j = 0; j < lab.rows; j++) lowerToCenter(x, lab, j, minDist);
  const { picks, distances } = greedyKCenter(minDist, q.budget, (j, md) => lowerToCenter(x, x, j, md));
  const reasons: ScoreReason[] = Array.from(picks, (index, rank) => {
    const d = distances[rank] as number;
    return { kind: 'score', index, rank, metric: 'kcenter-sq-distance', value: Number.isFinite(d) ? d : null };
  });
  return { selected: sortedIndices(picks), reasons };
});
