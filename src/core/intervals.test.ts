import { describe, expect, it } from 'vitest';
import { balancedAccuracyInterval, wilsonInterval } from './intervals';

describe('wilsonInterval', () => {
  it('matches published Wilson intervals', () => {
    // Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 -> 0.2553 to 0.3662; 15/148 -> 0.0624 to 0.1605.
    const a = wilsonInterval(81, 263)!;
    expect(a[0]).toBeCloseTo(0.2553, 3);
    expect(a[1]).toBeCloseTo(0.3662, 3);
    const b = wilsonInterval(15, 148)!;
    expect(b[0]).toBeCloseTo(0.0624, 3);
    expect(b[1]).toBeCloseTo(0.1605, 3);
  });

  it('stays informative at 0 and n successes and is null without images', () => {
    const zero = wilsonInterval(0, 10)!;
    expect(zero[0]).toBe(0);
    expect(zero[1]).toBeCloseTo(0.2775, 3);
    const all = wilsonInterval(5, 5)!;
    expect(all[1]).toBe(1);
    expect(all[0]).toBeCloseTo(0.5655, 3);
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(() => wilsonInterval(3, 2)).toThrow(/successes <= n/);
  });
});

describe('balancedAccuracyInterval', () => {
  it('contains the estimate, narrows as classes grow, and leaves absent classes out', () => {
    const small = balancedAccuracyInterval([3, 1, 0], [5, 2, 0])!;
    const estimate = (3 / 5 + 1 / 2) / 2;
    expect(small[0]).toBeLessThanOrEqual(estimate);
    expect(small[1]).toBeGreaterThanOrEqual(estimate);
    const large = balancedAccuracyInterval([300, 100, 0], [500, 200, 0])!;
    expect(large[1] - large[0]).toBeLessThan((small[1] - small[0]) / 4);
    expect(large[0]).toBeGreaterThan(0.5);
    expect(large[1]).toBeLessThan(0.6);
    expect(balancedAccuracyInterval([0, 0], [0, 0])).toBeNull();
  });

  it('is a point when every class is all right (nothing to resample) and repeats per seed', () => {
    expect(balancedAccuracyInterval([4, 2], [4, 2])).toEqual([1, 1]);
    expect(balancedAccuracyInterval([2, 1], [4, 3], 7)).toEqual(balancedAccuracyInterval([2, 1], [4, 3], 7));
  });
});
