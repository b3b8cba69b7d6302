import { describe, expect, it } from 'vitest';
import { QueryInputError } from '../errors';
import { type Matrix } from '../matrix';
import { createRng } from '../rng';
import { getStrategy } from '../strategies/registry';
import { type QueryInput } from '../strategies/types';
import { syntheticClient } from '../synthetic';
import { normalizedEntropy } from '../uncertainty';
import { clientQueryStats, fairfalQuery, fairfalStrategy } from './query';
import { fairfalSelect } from './select';

const base = syntheticClient({ poolSize: 400, labeledSize: 80, numClasses: 5, featureDim: 8, seed: 21 });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof QueryInputError ? e.code : 'other';
  }
  return undefined;
}

function withNaN(m: Matrix, r: number, c: number): Matrix {
  const data = Float64Array.from(m.data);
  data[r * m.cols + c] = Number.NaN;
  return { data, rows: m.rows, cols: m.cols };
}

describe('fairfalQuery', () => {
  it('selects exactly the budget, unique and sorted, with one complete reason each', () => {
    const out = fairfalQuery({ ...base, gammaBar: 0.3 }, 40);
    expect(out.selected).toHaveLength(40);
    expect(new Set(out.selected).size).toBe(40);
    expect(out.selected).toEqual([...out.selected].sort((a, b) => a - b));
    expect(out.reasons.map((r) => r.index).sort((a, b) => a - b)).toEqual(out.selected);
    const H = normalizedEntropy(out.fairfal?.queryModel.model === 'global' ? base.globalProbs! : base.localProbs!);
    for (const r of out.reasons) {
      if (r.kind !== 'fairfal') throw new Error('expected FairFAL reasons');
      expect(r.normalizedEntropy).toBe(H[r.index]);
      expect(r.prototypeProb).toBeGreaterThan(0);
      expect(r.prototypeProb).toBeLessThanOrEqual(1);
      expect(r.queryModel).toBe(out.fairfal?.queryModel.model);
      expect(out.fairfal?.perClass[r.pseudoLabel]).toContain(r.index);
    }
    // Classes with labeled anchors report a k-center distance for every pick.
    const anchored = new Set(Array.from(base.labeledLabels!));
    for (const r of out.reasons) if (r.kind === 'fairfal' && anchored.has(r.pseudoLabel)) expect(r.kcenterDistance).not.toBeNull();
    expect(out.fairfal?.quota.reduce((a, b) => a + b, 0)).toBe(40);
  });

  it('is deterministic and identical through the strategy interface', () => {
    const a = fairfalQuery({ ...base, gammaBar: 0.3 }, 25);
    const b = fairfalQuery({ ...base, gammaBar: 0.3 }, 25);
    expect(b).toEqual(a);
    expect(getStrategy('fairfal').select({ ...base, gammaBar: 0.3 }, 25, createRng(99))).toEqual(a);
  });

  it('routes the query and gradient-source models by s_k and gamma_bar', () => {
    const { divergence } = clientQueryStats(base.labeledGlobalProbs!, base.labeledLocalProbs!, base.labeledLabels!, 5);
    const call = (gammaBar: number) => fairfalQuery({ ...base, gammaBar }, 30);
    const lowGamma = call(0);
    expect(lowGamma.fairfal?.gradSource).toBe('global');
    expect(lowGamma.fairfal?.queryModel.model).toBe(1 - 0.5 * divergence > 0.75 ? 'global' : 'local');
    const high = call(0.9);
    expect(high.fairfal?.gradSource).toBe('local');
    expect(high.fairfal?.queryModel.model).toBe('local');
    const direct = fairfalSelect({
      numClasses: 5,
      unlabeledEmbeddings: base.globalFeatures!,
      labeledEmbeddings: base.labeledGlobalFeatures!,
      labeledLabels: base.labeledLabels!,
      queryProbs: base.localProbs!,
      gradSourceProbsUnlabeled: base.localProbs!,
      gradSourceProbsLabeled: base.labeledLocalProbs!,
      penultimateUnlabeled: base.globalFeatures!,
      penultimateLabeled: base.labeledGlobalFeatures!,
      budget: 30,
    });
    expect(high.selected).toEqual(direct.selected);
  });

  it('uses its own gamma_k when the server gamma_bar is absent, and says so', () => {
    const out = fairfalQuery(base, 10);
    expect(out.fairfal?.gammaBarSource).toBe('own');
    expect(out.fairfal?.gammaBar).toBe(out.fairfal?.gammaK);
    expect(fairfalQuery({ ...base, gammaBar: 0.2 }, 10).fairfal?.gammaBarSource).toBe('input');
  });

  it('a budget above the pool queries the whole pool', () => {
    const small = syntheticClient({ poolSize: 12, labeledSize: 10, numClasses: 3, featureDim: 4, seed: 2 });
    const out = fairfalQuery(small, 50);
    expect(out.budget).toBe(12);
    expect(out.selected).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('rejects bad input with a typed error naming the problem', () => {
    expect(codeOf(() => fairfalQuery(base, 0))).toBe('bad-budget');
    expect(codeOf(() => fairfalQuery(base, -3))).toBe('bad-budget');
    expect(codeOf(() => fairfalQuery(base, 2.5))).toBe('bad-budget');
    expect(() => fairfalQuery({ ...base, globalFeatures: withNaN(base.globalFeatures!, 7, 3) }, 5)).toThrow(
      /globalFeatures\[7\]\[3\] is NaN/,
    );
    expect(codeOf(() => fairfalQuery({ ...base, localProbs: withNaN(base.localProbs!, 0, 0) }, 5))).toBe('non-finite');
    const { localProbs: _drop, ...missing } = base;
    expect(() => fairfalQuery(missing as QueryInput, 5)).toThrow(/needs 'localProbs'/);
    const short = { ...base.globalProbs!, rows: 399, data: base.globalProbs!.data.subarray(0, 399 * 5) };
    expect(codeOf(() => fairfalQuery({ ...base, globalProbs: short }, 5))).toBe('shape-mismatch');
    const empty = { data: new Float64Array(0), rows: 0, cols: 5 };
    const emptyF = { data: new Float64Array(0), rows: 0, cols: 8 };
    expect(
      codeOf(() => fairfalQuery({ ...base, globalProbs: empty, localProbs: empty, globalFeatures: emptyF, localFeatures: emptyF }, 5)),
    ).toBe('empty-pool');
    expect(codeOf(() => fairfalQuery({ ...base, labeledLabels: Int32Array.from(base.labeledLabels!, () => 9) }, 5))).toBe('bad-label');
    expect(codeOf(() => fairfalQuery({ ...base, gammaBar: Number.NaN }, 5))).toBe('non-finite');
    expect(codeOf(() => fairfalStrategy({ temperature: 0 }))).toBe('bad-option');
  });

  it('without labeled anchors stage 2 starts from the most uncertain candidate', () => {
    const none = { data: new Float64Array(0), rows: 0, cols: 8 };
    const noneP = { data: new Float64Array(0), rows: 0, cols: 5 };
    const out = fairfalSelect({
      numClasses: 5,
      unlabeledEmbeddings: base.globalFeatures!,
      labeledEmbeddings: none,
      labeledLabels: [],
      queryProbs: base.globalProbs!,
      gradSourceProbsUnlabeled: base.globalProbs!,
      gradSourceProbsLabeled: noneP,
      penultimateUnlabeled: base.globalFeatures!,
      penultimateLabeled: none,
      budget: 6,
    });
    // Uniform prototype probabilities: every sample is pseudo-labeled 0 and class 0 gets the budget.
    expect(Array.from(out.quota)).toEqual([6, 0, 0, 0, 0]);
    const H = normalizedEntropy(base.globalProbs!);
    const first = out.reasons[0]!;
    expect(first.kcenterDistance).toBeNull();
    expect(H[first.index]).toBe(Math.max(...H));
    expect(out.reasons.slice(1).every((r) => r.kcenterDistance !== null && r.kcenterDistance > 0)).toBe(true);
    // Later picks are farthest-first: their pick-time distances never increase.
    const d = out.reasons.slice(1).map((r) => r.kcenterDistance as number);
    expect(d).toEqual([...d].sort((a, b) => b - a));
  });
});
