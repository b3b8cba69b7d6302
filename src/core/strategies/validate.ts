/**
 * Boundary checks shared by every strategy: presence, shapes, finiteness, probability rows,
 * labels and budget. Runs before any work so a bad input never yields a partial query.
 */
import { QueryInputError } from '../errors';
import { type Rng } from '../rng';
import { assertFinite, assertLabels, assertProbabilities, assertShape, type Matrix } from '../matrix';
import { type QueryInput, type QueryInputKey, type QuerySelection, type QueryStrategy } from './types';

const UNLABELED: readonly QueryInputKey[] = ['globalProbs', 'localProbs', 'globalFeatures', 'localFeatures'];
const PROBS: readonly QueryInputKey[] = ['globalProbs', 'localProbs', 'labeledGlobalProbs', 'labeledLocalProbs'];
const LABELED_MATRICES: readonly QueryInputKey[] = ['labeledGlobalFeatures', 'labeledGlobalProbs', 'labeledLocalProbs'];

/** A validated input: required fields present, N and the effective budget known. */
export interface PreparedQuery {
  input: QueryInput;
  poolSize: number;
  budget: number;
  /** C labeled counts (from labeledCounts or labeledLabels) when the strategy requires them, else empty. */
  labeledCounts: Float64Array;
}

export function countLabels(labels: ArrayLike<number>, numClasses: number): Float64Array {
  const out = new Float64Array(numClasses);
  for (let i = 0; i < labels.length; i++) out[labels[i] as number] = (out[labels[i] as number] as number) + 1;
  return out;
}

export function prepareQuery(requires: readonly QueryInputKey[], input: QueryInput, budget: number): PreparedQuery {
  const C = input.numClasses;
  if (!Number.isInteger(C) || C < 1) throw new QueryInputError('bad-option', `numClasses must be a positive integer, got ${C}`);
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget <= 0) {
    throw new QueryInputError('bad-budget', `budget must be a positive integer, got ${budget}`);
  }
  for (const key of requires) {
    const ok = key === 'labeledCounts' ? input.labeledCounts ?? input.labeledLabels : input[key];
    if (ok === undefined) throw new QueryInputError('missing-input', `this strategy needs '${key}'`);
  }

  let N = input.poolSize;
  if (N !== undefined && (!Number.isInteger(N) || N < 0)) {
    throw new QueryInputError('shape-mismatch', `poolSize must be a non-negative integer, got ${N}`);
  }
  for (const key of UNLABELED) {
    const m = input[key] as Matrix | undefined;
    if (!m) continue;
    assertShape(m, key);
    if (N === undefined) N = m.rows;
    else if (m.rows !== N) throw new QueryInputError('shape-mismatch', `${key} has ${m.rows} rows, pool has ${N}`);
  }
  if (N === undefined) throw new QueryInputError('missing-input', 'no poolSize and no unlabeled matrix to size the pool');
  if (N === 0) throw new QueryInputError('empty-pool', 'the unlabeled pool is empty');

  const L = input.labeledLabels?.length;
  for (const key of LABELED_MATRICES) {
    const m = input[key] as Matrix | undefined;
    if (m && L !== undefined && m.rows !== L) {
      throw new QueryInputError('shape-mismatch', `${key} has ${m.rows} rows, labeledLabels has ${L}`);
    }
  }
  for (const key of PROBS) {
    const m = input[key] as Matrix | undefined;
    if (m) assertShape(m, key, undefined, C);
  }
  const pairs: [QueryInputKey, QueryInputKey][] = [['globalFeatures', 'labeledGlobalFeatures']];
  for (const [a, b] of pairs) {
    const ma = input[a] as Matrix | undefined;
    const mb = input[b] as Matrix | undefined;
    if (ma && mb && ma.cols !== mb.cols) {
      throw new QueryInputError('shape-mismatch', `${a} has ${ma.cols} columns, ${b} has ${mb.cols}`);
    }
  }

  // Value checks only for what this strategy reads: O(size) each.
  for (const key of requires) {
    if (key === 'labeledLabels') assertLabels(input.labeledLabels as ArrayLike<number>, C, key);
    else if (key === 'labeledCounts') continue;
    else if (PROBS.includes(key)) assertProbabilities(input[key] as Matrix, key);
    else assertFinite(input[key] as Matrix, key);
  }

  // Counts only for strategies that read them (KAFAL); from labels when not given.
  let labeledCounts: Float64Array = new Float64Array(0);
  if (requires.includes('labeledCounts') && input.labeledCounts) {
    const lc = input.labeledCounts;
    if (lc.length !== C) throw new QueryInputError('shape-mismatch', `labeledCounts has ${lc.length} entries, expected ${C}`);
    labeledCounts = Float64Array.from(lc);
    labeledCounts.forEach((v, c) => {
      if (!Number.isFinite(v)) throw new QueryInputError('non-finite', `labeledCounts[${c}] is ${v}`);
      if (v < 0) throw new QueryInputError('bad-label', `labeledCounts[${c}] is ${v}, counts cannot be negative`);
    });
  } else if (requires.includes('labeledCounts') && input.labeledLabels) {
    assertLabels(input.labeledLabels, C, 'labeledLabels');
    labeledCounts = countLabels(input.labeledLabels, C);
  }
  return { input, poolSize: N, budget: Math.min(budget, N), labeledCounts };
}

/** Build a strategy whose select() always validates first. */
export function defineStrategy(
  name: string,
  requires: readonly QueryInputKey[],
  run: (q: PreparedQuery, rng: Rng) => Omit<QuerySelection, 'strategy' | 'poolSize' | 'budget'>,
): QueryStrategy {
  return {
    name,
    requires,
    select(input, budget, rng) {
      const q = prepareQuery(requires, input, budget);
      const out = run(q, rng);
      return { strategy: name, poolSize: q.poolSize, budget: q.budget, ...out };
    },
  };
}

/** Sorted copy of the picked indices (the `selected` field). */
export function sortedIndices(picks: ArrayLike<number>): number[] {
  return Array.from(picks).sort((a, b) => a - b);
}
