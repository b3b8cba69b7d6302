import { describe, expect, it } from 'vitest';
import { CoreArgumentError } from './errors';
import { accuracy, balancedAccuracy, confusionMatrix, perClassRecall } from './metrics';

describe('metrics', () => {
  const yTrue = [0, 0, 0, 0, 1, 1, 2];
  const yPred = [0, 0, 0, 1, 1, 0, 2];

  it('confusion matrix counts true x predicted', () => {
    expect(Array.from(confusionMatrix(yTrue, yPred, 3))).toEqual([3, 1, 0, 1, 1, 0, 0, 0, 1]);
  });

  it('accuracy, per-class recall and balanced accuracy', () => {
    expect(accuracy(yTrue, yPred, 3)).toBeCloseTo(5 / 7, 12);
    expect(Array.from(perClassRecall(yTrue, yPred, 3))).toEqual([0.75, 0.5, 1]);
    expect(balancedAccuracy(yTrue, yPred, 3)).toBeCloseTo((0.75 + 0.5 + 1) / 3, 12);
  });

  it('a class absent from yTrue has NaN recall and is left out of balanced accuracy', () => {
    const r = perClassRecall([0, 0, 1], [0, 1, 1], 3);
    expect(Number.isNaN(r[2])).toBe(true);
    expect(balancedAccuracy([0, 0, 1], [0, 1, 1], 3)).toBeCloseTo(0.75, 12);
  });

  it('rejects mismatched lengths and out-of-range labels', () => {
    expect(() => accuracy([0, 1], [0], 2)).toThrow(CoreArgumentError);
    expect(() => confusionMatrix([0, 5], [0, 1], 2)).toThrow(/yTrue\[1\] is 5/);
    expect(Number.isNaN(accuracy([], [], 2))).toBe(true);
  });
});
