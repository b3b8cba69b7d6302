import { describe, expect, it } from 'vitest';
import { fromRows, row } from '../matrix';
import { classPrototypes, l2NormalizeRows, prototypeProbs } from './prototypes';

describe('prototypes', () => {
  const labeled = fromRows([
    [2, 0],
    [0, 3],
    [4, 4],
  ]);

  it('l2-normalises rows and leaves zero rows at zero', () => {
    const n = l2NormalizeRows(fromRows([[3, 4], [0, 0]]));
    expect(Array.from(n.data).map((v) => +v.toFixed(12))).toEqual([0.6, 0.8, 0, 0]);
  });

  it('prototype = unit-length mean of normalised features; absent classes stay zero', () => {
    const { prototypes, counts } = classPrototypes(labeled, [0, 0, 2], 3);
    expect(Array.from(counts)).toEqual([2, 0, 1]);
    // class 0: mean of (1,0) and (0,1) = (.5,.5) -> unit (1/sqrt2, 1/sqrt2)
    expect(Array.from(row(prototypes, 0)).map((v) => v.toFixed(9))).toEqual([Math.SQRT1_2.toFixed(9), Math.SQRT1_2.toFixed(9)]);
    expect(Array.from(row(prototypes, 1))).toEqual([0, 0]);
  });

  it('masked classes get probability 0; rows sum to 1; temperature sharpens', () => {
    const proto = classPrototypes(fromRows([[1, 0], [0, 1]]), [0, 2], 3);
    const x = fromRows([[1, 0.2]]);
    const soft = prototypeProbs(x, proto, 1.5);
    expect(soft.data[1]).toBe(0);
    expect((soft.data[0] as number) + (soft.data[2] as number)).toBeCloseTo(1, 12);
    const sharp = prototypeProbs(x, proto, 0.1);
    expect(sharp.data[0] as number).toBeGreaterThan(soft.data[0] as number);
    // Exact value: softmax of cosine / T over the two present classes.
    const z = Math.hypot(1, 0.2);
    const e0 = Math.exp(1 / z / 1.5);
    const e2 = Math.exp(0.2 / z / 1.5);
    expect(soft.data[0]).toBeCloseTo(e0 / (e0 + e2), 12);
  });

  it('with no labeled class at all every row is uniform (official masking behaviour)', () => {
    const proto = classPrototypes(fromRows([], 'x', 2), [], 4);
    const p = prototypeProbs(fromRows([[1, 2]]), proto);
    expect(Array.from(p.data)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
});
