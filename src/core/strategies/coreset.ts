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
import { lowerToRow } from '../distance';
import { type Matrix, rowSquaredNorms } from '../matrix';
import { type ScoreReason } from './types';
import { defineStrategy, sortedIndices } from './validate';

export const coresetStrategy = defineStrategy('coreset', ['globalFeatures', 'labeledGlobalFeatures'], (q) => {
  const x = q.input.globalFeatures as Matrix;
  const lab = q.input.labeledGlobalFeatures as Matrix;
  const minDist = new Float64Array(x.rows).fill(Infinity);
  const xn = rowSquaredNorms(x);
  const ln = rowSquaredNorms(lab);
  for (let j = 0; j < lab.rows; j++) lowerToRow(x, xn, lab, ln, j, minDist);
  const { picks, distances } = greedyKCenter(minDist, q.budget, (j, md) => lowerToRow(x, xn, x, xn, j, md));
  const reasons: ScoreReason[] = Array.from(picks, (index, rank) => {
    const d = distances[rank] as number;
    return { kind: 'score', index, rank, metric: 'kcenter-sq-distance', value: Number.isFinite(d) ? d : null };
  });
  return { selected: sortedIndices(picks), reasons };
});
