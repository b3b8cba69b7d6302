import { describe, expect, it } from 'vitest';
import { QueryInputError } from '../errors';
import { fromRows } from '../matrix';
import {
  aggregateGammaBar,
  classBalancedMeanProbs,
  decideGradSource,
  decideQueryModel,
  globalRatio,
  predictionDivergence,
  presentClasses,
} from './queryModel';

describe('query-model selection pieces', () => {
  it('class-balanced mean = mean over present classes of per-class means (upsampling expectation)', () => {
    // Class 0 has 3 samples, class 2 has 1: upsampling class 2 to 3 copies weighs both equally.
    const probs = fromRows([
      [0.6, 0.2, 0.2],
      [0.8, 0.1, 0.1],
      [0.7, 0.3, 0.0],
      [0.1, 0.1, 0.8],
    ]);
    const out = classBalancedMeanProbs(probs, [0, 0, 0, 2]);
    expect(Array.from(out).map((v) => +v.toFixed(12))).toEqual([0.4, 0.15, 0.45]);
    // The plain (imbalanced) mean would differ: this test fails if balancing is dropped.
    expect(out[0]).not.toBeCloseTo((0.6 + 0.8 + 0.7 + 0.1) / 4, 6);
  });

  it('presentClasses lists labeled classes ascending', () => {
    expect(presentClasses([3, 1, 3], 5)).toEqual([1, 3]);
  });

  it('gamma_k is min/max over present classes only', () => {
    expect(globalRatio([0.5, 0.01, 0.25, 0.24], [0, 2, 3])).toBeCloseTo(0.24 / 0.5, 12);
    expect(() => globalRatio([0.5], [])).toThrow(QueryInputError);
    // No probability on any of the clinic's classes (a ruined model): 0, not NaN.
    expect(globalRatio([0, 1, 0, 0], [0, 2, 3])).toBe(0);
  });

  it('d_k is 0 for identical vectors, symmetric, and uses all classes', () => {
    expect(predictionDivergence([0.2, 0.8], [0.2, 0.8])).toBe(0);
    const a = [0.1, 0.6, 0.3];
    const b = [0.3, 0.3, 0.4];
    expect(predictionDivergence(a, b)).toBeCloseTo(predictionDivergence(b, a), 15);
    const manual = (0.2 / 0.4 + 0.3 / 0.9 + 0.1 / 0.7) / 3;
    expect(predictionDivergence(a, b)).toBeCloseTo(manual, 12);
    expect(() => predictionDivergence([0.5, 0.5], [1])).toThrow(QueryInputError);
  });

  it('gamma_bar is the mean of the clients and rejects NaN or no clients', () => {
    expect(aggregateGammaBar([0.2, 0.4, 0.6])).toBeCloseTo(0.4, 12);
    expect(() => aggregateGammaBar([])).toThrow(QueryInputError);
    expect(() => aggregateGammaBar([0.1, Number.NaN])).toThrow(/client 1/);
  });

  it('query model: global iff s_k = 1 - (d + gamma_bar)/2 > delta', () => {
    expect(decideQueryModel(0.1, 0.2)).toEqual({ score: 0.85, delta: 0.75, model: 'global' });
    expect(decideQueryModel(0.3, 0.2).model).toBe('local'); // s = 0.75, not > 0.75
    expect(decideQueryModel(0.3, 0.2, 0.7).model).toBe('global');
  });

  it('gradient source: global iff gamma_bar < 0.5', () => {
    expect(decideGradSource(0.49)).toBe('global');
    expect(decideGradSource(0.5)).toBe('local');
  });
});
