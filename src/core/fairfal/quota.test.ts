import { describe, expect, it } from 'vitest';
import { bucketsByLabel, classQuota } from './quota';

const q = (sizes: number[], b: number): number[] => Array.from(classQuota(sizes, b));

describe('class quota', () => {
  it('splits evenly when every bucket is large enough', () => {
    expect(q([10, 10, 10], 9)).toEqual([3, 3, 3]);
  });

  it('gives the remainder to the largest buckets, lower class index on ties', () => {
    expect(q([5, 9, 9, 2], 6)).toEqual([1, 2, 2, 1]);
    expect(q([9, 9, 9, 9], 6)).toEqual([2, 2, 1, 1]);
  });

  it('cuts quotas to bucket size and hands the shortfall round-robin to the largest buckets', () => {
    // base 5 each; classes 1, 3 have 0 and class 4 has 2 -> shortfall 13, dealt over [0, 2] order by size.
    expect(q([30, 0, 20, 0, 2], 25)).toEqual([12, 0, 11, 0, 2]);
  });

  it('caps the budget at the pool size', () => {
    expect(q([3, 1, 2], 100)).toEqual([3, 1, 2]);
    expect(q([0, 0], 5)).toEqual([0, 0]);
  });

  it('never exceeds a bucket and sums to min(b, pool)', () => {
    const sizes = [7, 0, 1, 13, 4, 4, 0, 2];
    for (let b = 1; b < 40; b++) {
      const quota = q(sizes, b);
      expect(quota.reduce((s, v) => s + v, 0)).toBe(Math.min(b, 31));
      quota.forEach((v, c) => expect(v).toBeLessThanOrEqual(sizes[c] as number));
    }
  });

  it('buckets keep pool order', () => {
    expect(bucketsByLabel([2, 0, 2, 1, 0], 3).map((b) => Array.from(b))).toEqual([[1, 4], [3], [0, 2]]);
  });
});
