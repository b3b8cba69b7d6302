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

  it('stays wide at one image per class, where resampling would collapse to a point, and repeats per seed', () => {
    // 7 classes of one held-out image, 2 right: the figure is 29%, and could well be 20% or 55%.
    const tiny = balancedAccuracyInterval([1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1])!;
    expect(tiny[0]).toBeLessThan(2 / 7);
    expect(tiny[1]).toBeGreaterThan(0.5);
    expect(tiny[1] - tiny[0]).toBeGreaterThan(0.3);
    const allRight = balancedAccuracyInterval([4, 2], [4, 2])!;
    expect(allRight[1]).toBeGreaterThan(0.99);
    expect(allRight[0]).toBeLessThan(0.85);
    expect(balancedAccuracyInterval([2, 1], [4, 3], 7)).toEqual(balancedAccuracyInterval([2, 1], [4, 3], 7));
  });

  it('agrees with the normal approximation at large n', () => {
    // Two classes of 400: recall 0.6 and 0.3; se of the mean = sqrt(.6*.4/400 + .3*.7/400) / 2.
    const iv = balancedAccuracyInterval([240, 120], [400, 400])!;
    const se = Math.sqrt((0.6 * 0.4) / 400 + (0.3 * 0.7) / 400) / 2;
    expect(iv[0]).toBeCloseTo(0.45 - 1.96 * se, 2);
    expect(iv[1]).toBeCloseTo(0.45 + 1.96 * se, 2);
  });
});
