import { describe, expect, it } from 'vitest';
import {
  AggregationInputError,
  allFinite,
  coordinateMedian,
  fedAvg,
  l2Distance,
  l2Norm,
  scaffoldAggregate,
  trimmedMean,
  weightedMean,
} from './index';

const f = (xs: number[]) => Float32Array.from(xs);

describe('fedAvg', () => {
  it('weights each client by its sample count', () => {
    const out = fedAvg([
      { weights: f([0, 10]), sampleCount: 1 },
      { weights: f([4, 2]), sampleCount: 3 },
    ]);
    expect(Array.from(out)).toEqual([3, 4]);
  });

  it('equals the plain mean for equal counts and is order independent', () => {
    const a = { weights: f([1, 2, 3]), sampleCount: 5 };
    const b = { weights: f([3, 4, 5]), sampleCount: 5 };
    expect(Array.from(fedAvg([a, b]))).toEqual([2, 3, 4]);
    expect(Array.from(fedAvg([b, a]))).toEqual([2, 3, 4]);
  });

  it('rejects empty input, length mismatch and zero or bad weights', () => {
    expect(() => fedAvg([])).toThrow(AggregationInputError);
    expect(() => weightedMean([f([1]), f([1, 2])], [1, 1])).toThrow(/length mismatch/);
    expect(() => weightedMean([f([1])], [0])).toThrow(/zero/);
    expect(() => weightedMean([f([1])], [Number.NaN])).toThrow(/finite/);
    expect(() => weightedMean([f([1])], [1, 2])).toThrow(/weights/);
  });
});

describe('scaffoldAggregate', () => {
  it('moves x by the mean delta and c by (|S|/N) * mean control delta', () => {
    const global = f([1, 1]);
    const control = f([0, 0.5]);
    const { weights, control: c } = scaffoldAggregate(
      global,
      control,
      [
        { weights: f([3, 1]), controlDelta: f([1, 0]) },
        { weights: f([1, 5]), controlDelta: f([1, 2]) },
      ],
      4,
    );
    expect(Array.from(weights)).toEqual([2, 3]);
    // c + (2/4) * mean([1,0],[1,2]) = [0,0.5] + 0.5*[1,1]
    expect(Array.from(c)).toEqual([0.5, 1]);
  });

  it('scales the step by the global learning rate', () => {
    const { weights } = scaffoldAggregate(f([0]), f([0]), [{ weights: f([4]), controlDelta: f([0]) }], 1, 0.5);
    expect(weights[0]).toBe(2);
  });

  it('rejects more updates than clients', () => {
    const u = { weights: f([1]), controlDelta: f([0]) };
    expect(() => scaffoldAggregate(f([0]), f([0]), [u, u], 1)).toThrow(/fewer/);
  });
});

describe('robust aggregation', () => {
  const vs = [f([1, 100]), f([2, -100]), f([3, 0]), f([1000, 1])];
  it('coordinate median ignores one outlier', () => {
    expect(Array.from(coordinateMedian(vs))).toEqual([2.5, 0.5]);
    expect(Array.from(coordinateMedian(vs.slice(0, 3)))).toEqual([2, 0]);
  });

  it('trimmed mean drops the extremes per coordinate', () => {
    expect(Array.from(trimmedMean(vs, 0.25))).toEqual([2.5, 0.5]);
    expect(Array.from(trimmedMean(vs, 0))).toEqual([251.5, 0.25]);
    expect(() => trimmedMean(vs, 0.5)).toThrow(AggregationInputError);
  });
});

describe('vector checks', () => {
  it('finds NaN and infinities', () => {
    expect(allFinite(f([1, 2, -3]))).toBe(true);
    expect(allFinite(f([1, Number.NaN]))).toBe(false);
    expect(allFinite(f([Number.NEGATIVE_INFINITY]))).toBe(false);
  });

  it('computes L2 norms', () => {
    expect(l2Norm(f([3, 4]))).toBe(5);
    expect(l2Distance(f([1, 1]), f([4, 5]))).toBe(5);
  });
});
