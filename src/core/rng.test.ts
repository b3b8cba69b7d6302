import { describe, expect, it } from 'vitest';
import { CoreArgumentError } from './errors';
import { createRng } from './rng';

describe('createRng', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it('pins the first outputs so the stream never changes silently across versions', () => {
    // Simulations record seeds; changing these values silently changes every replayed run.
    const r = createRng(1);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([2442144158, 3238099751, 3819917871]);
    expect(createRng(1).next()).toBe(0.5686059948349658);
  });

  it('next() is in [0, 1) with mean near 1/2', () => {
    const r = createRng(7);
    let s = 0;
    let outside = 0;
    for (let i = 0; i < 20000; i++) {
      const v = r.next();
      if (!(v >= 0 && v < 1)) outside++;
      s += v;
    }
    expect(outside).toBe(0);
    expect(s / 20000).toBeCloseTo(0.5, 1);
  });

  it('int covers [0, n) only and rejects bad n', () => {
    const r = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(r.int(5));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(() => r.int(0)).toThrow(CoreArgumentError);
    expect(() => r.int(2.5)).toThrow(CoreArgumentError);
  });

  it('shuffle and permutation return permutations, deterministically', () => {
    const p = createRng(9).permutation(50);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(createRng(9).permutation(50))).toEqual(Array.from(p));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const arr = ['a', 'b', 'c', 'd'];
    expect(createRng(1).shuffle(arr).slice().sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('choice picks an element and rejects an empty list', () => {
    const r = createRng(5);
    expect(['x', 'y']).toContain(r.choice(['x', 'y']));
    expect(() => r.choice([])).toThrow(CoreArgumentError);
  });

  it('normal has mean ~0 and variance ~1', () => {
    const r = createRng(11);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      s += v;
      s2 += v * v;
    }
    expect(s / n).toBeCloseTo(0, 1);
    expect(s2 / n - (s / n) ** 2).toBeCloseTo(1, 1);
  });

  it.each([0.1, 0.5, 1, 3.5])('gamma(%f) has mean ~shape and is positive', (shape) => {
    const r = createRng(13);
    const n = 20000;
    let s = 0;
    let negative = 0;
    for (let i = 0; i < n; i++) {
      const v = r.gamma(shape);
      if (v < 0) negative++;
      s += v;
    }
    expect(negative).toBe(0);
    expect(Math.abs(s / n - shape) / shape).toBeLessThan(0.05);
  });

  it('gamma rejects a non-positive shape', () => {
    expect(() => createRng(1).gamma(0)).toThrow(CoreArgumentError);
    expect(() => createRng(1).gamma(Number.NaN)).toThrow(CoreArgumentError);
  });

  it('dirichlet returns probability vectors with the right mean', () => {
    const r = createRng(17);
    const alpha = [1, 2, 7];
    const mean = [0, 0, 0];
    for (let i = 0; i < 5000; i++) {
      const p = r.dirichlet(alpha);
      if (Math.abs(p.reduce((a, b) => a + b, 0) - 1) > 1e-12) throw new Error('dirichlet row does not sum to 1');
      p.forEach((v, k) => (mean[k] = (mean[k] as number) + v / 5000));
    }
    expect(mean[0]).toBeCloseTo(0.1, 1);
    expect(mean[2]).toBeCloseTo(0.7, 1);
    // Tiny concentrations still give a valid (near one-hot) vector.
    const tiny = r.dirichlet([1e-4, 1e-4, 1e-4]);
    expect(tiny.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(() => r.dirichlet([])).toThrow(CoreArgumentError);
  });

  it('fork gives an independent but reproducible generator', () => {
    const a = createRng(21).fork();
    const b = createRng(21).fork();
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('rejects a non-finite seed', () => {
    expect(() => createRng(Number.POSITIVE_INFINITY)).toThrow(CoreArgumentError);
  });
});
