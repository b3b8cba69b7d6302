import { describe, expect, it } from 'vitest';
import { QueryInputError } from './errors';
import {
  assertFinite,
  assertLabels,
  assertProbabilities,
  assertShape,
  fromRows,
  matrix,
  row,
  rowSquaredNorms,
  takeRows,
  toRows,
} from './matrix';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof QueryInputError ? e.code : 'other';
  }
  return undefined;
}

describe('matrix helpers', () => {
  it('round-trips nested arrays and views rows', () => {
    const m = fromRows([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(m.rows).toBe(3);
    expect(Array.from(row(m, 1))).toEqual([3, 4]);
    expect(toRows(takeRows(m, [2, 0]))).toEqual([
      [5, 6],
      [1, 2],
    ]);
    expect(Array.from(rowSquaredNorms(m))).toEqual([5, 25, 61]);
  });

  it('rejects ragged rows and a wrong data length', () => {
    expect(codeOf(() => fromRows([[1, 2], [3]], 'x'))).toBe('shape-mismatch');
    expect(codeOf(() => matrix(new Float64Array(5), 2, 3))).toBe('shape-mismatch');
  });

  it('assertFinite names the offending row and column', () => {
    const m = fromRows([
      [0, 1],
      [2, Number.NaN],
    ]);
    expect(() => assertFinite(m, 'probs')).toThrow(/probs\[1\]\[1\] is NaN/);
    expect(codeOf(() => assertFinite(fromRows([[Infinity]]), 'f'))).toBe('non-finite');
    expect(codeOf(() => assertFinite(m.rows ? fromRows([[1]]) : m, 'ok'))).toBeUndefined();
  });

  it('assertShape checks rows and cols', () => {
    const m = fromRows([[1, 2, 3]]);
    expect(codeOf(() => assertShape(m, 'm', 1, 3))).toBeUndefined();
    expect(() => assertShape(m, 'm', 2, 3)).toThrow(/m is 1x3, expected 2x3/);
  });

  it('assertProbabilities rejects negatives and rows not summing to 1', () => {
    expect(codeOf(() => assertProbabilities(fromRows([[0.5, 0.5]]), 'p'))).toBeUndefined();
    expect(codeOf(() => assertProbabilities(fromRows([[-0.1, 1.1]]), 'p'))).toBe('not-probability');
    expect(codeOf(() => assertProbabilities(fromRows([[0.2, 0.2]]), 'p'))).toBe('not-probability');
  });

  it('assertLabels rejects out-of-range and fractional labels', () => {
    expect(codeOf(() => assertLabels([0, 2], 3, 'y'))).toBeUndefined();
    expect(codeOf(() => assertLabels([3], 3, 'y'))).toBe('bad-label');
    expect(codeOf(() => assertLabels([0.5], 3, 'y'))).toBe('bad-label');
  });
});
