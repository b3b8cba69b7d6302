import { describe, expect, it } from 'vitest';
import { argmaxFirst, greedyKCenter } from './kcenter';

/** Points on a line; distance = squared difference. */
function line(points: number[], centers: number[], k: number, seed?: number) {
  const minDist = Float64Array.from(points, (p) => (centers.length ? Math.min(...centers.map((c) => (p - c) ** 2)) : Infinity));
  const update = (j: number, md: Float64Array) => {
    points.forEach((p, i) => {
      const d = (p - (points[j] as number)) ** 2;
      if (d < (md[i] as number)) md[i] = d;
    });
  };
  return greedyKCenter(minDist, k, update, seed === undefined ? {} : { seed });
}

describe('greedy k-center', () => {
  it('picks the farthest point from the existing centers each time', () => {
    const r = line([0, 1, 2, 10, 11, 5], [0], 3);
    expect(Array.from(r.picks)).toEqual([4, 5, 2]);
    expect(Array.from(r.distances)).toEqual([121, 25, 4]);
  });

  it('without centers starts from the seed (distance +Infinity)', () => {
    const r = line([0, 1, 2, 10], [], 2, 1);
    expect(Array.from(r.picks)).toEqual([1, 3]);
    expect(r.distances[0]).toBe(Infinity);
  });

  it('without centers or seed the first pick is index 0 (all +Infinity, first max)', () => {
    expect(line([3, 1, 2], [], 1).picks[0]).toBe(0);
  });

  it('never picks a point twice and stops at the pool size', () => {
    const r = line([0, 0, 0], [], 10);
    expect(Array.from(r.picks).sort()).toEqual([0, 1, 2]);
  });

  it('argmaxFirst returns the first maximum', () => {
    expect(argmaxFirst([1, 3, 3, 2])).toBe(1);
    expect(argmaxFirst([])).toBe(-1);
  });
});
