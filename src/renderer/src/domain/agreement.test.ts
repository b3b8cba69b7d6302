import { describe, expect, it } from 'vitest';
import { cohenKappa, perClassKappa } from './agreement';

describe("Cohen's kappa", () => {
  it('matches a worked example', () => {
    // Classic 2x2: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> po 0.7, pe 0.5, kappa 0.4.
    const pairs = [
      ...Array.from({ length: 20 }, () => ({ first: 1, second: 1 })),
      ...Array.from({ length: 5 }, () => ({ first: 1, second: 0 })),
      ...Array.from({ length: 10 }, () => ({ first: 0, second: 1 })),
      ...Array.from({ length: 15 }, () => ({ first: 0, second: 0 })),
    ];
    const k = cohenKappa(pairs);
    expect(k.n).toBe(50);
    expect(k.observed).toBeCloseTo(0.7, 10);
    expect(k.kappa).toBeCloseTo(0.4, 10);
  });

  it('is 1 for perfect agreement, undefined without pairs or variation, and counts unsure as its own call', () => {
    expect(cohenKappa([{ first: 1, second: 1 }, { first: 2, second: 2 }]).kappa).toBe(1);
    expect(cohenKappa([]).kappa).toBeNull();
    expect(cohenKappa([{ first: 3, second: 3 }]).kappa).toBeNull();
    expect(cohenKappa([{ first: null, second: null }, { first: 1, second: null }]).observed).toBe(0.5);
  });

  it('per class: that class against the rest, with the images either reader put in it', () => {
    const pairs = [{ first: 0, second: 0 }, { first: 0, second: 1 }, { first: 1, second: 1 }, { first: 2, second: 2 }];
    const per = perClassKappa(pairs, 3);
    expect(per.map((p) => p.n)).toEqual([2, 2, 1]);
    expect(per[2]!.kappa).toBe(1);
    expect(per[0]!.kappa).toBeCloseTo(0.5, 10);
  });
});
