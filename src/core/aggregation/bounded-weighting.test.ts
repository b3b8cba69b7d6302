import { describe, expect, it } from 'vitest';
import { cappedWeights, clipToBound } from './bounded-weighting';
import { fedAvg } from './fedavg';
import { l2Distance } from './vector-math';

const shares = (w: number[]) => w.map((v) => v / w.reduce((a, b) => a + b, 0));

describe('bounded update weighting', () => {
  it('caps the largest claims so no share exceeds maxShare, leaving honest counts alone', () => {
    expect(cappedWeights([100_000, 50], 0.5)).toEqual([50, 50]);
    expect(cappedWeights([90, 10, 10, 10], 0.5)).toEqual([30, 10, 10, 10]);
    expect(cappedWeights([30, 20, 25, 25], 0.5)).toEqual([30, 20, 25, 25]);
    for (const counts of [[1e9, 35, 35, 35, 35], [5, 400, 3, 3, 900, 12], [7, 7, 7]]) {
      for (const s of [0.2, 0.34, 0.5, 0.9]) {
        const w = cappedWeights(counts, s);
        const max = Math.max(...shares(w));
        expect(max).toBeLessThanOrEqual(Math.max(s, 1 / counts.length) + 1e-12);
        w.forEach((v, i) => expect(v).toBeLessThanOrEqual(counts[i] as number));
      }
    }
    expect(shares(cappedWeights([100, 1, 1], 0.2))).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(cappedWeights([0, 100, 2], 0.5)).toEqual([0, 2, 2]);
    expect(cappedWeights([3, 1], 1)).toEqual([3, 1]);
    expect(() => cappedWeights([1], 0)).toThrow(/maxShare/);
    expect(() => cappedWeights([NaN], 0.5)).toThrow(/count/);
  });

  it('clips an update back to the bound along its own direction', () => {
    const base = Float32Array.from([1, 1, 1]);
    const far = Float32Array.from([1 + 30, 1 - 40, 1]);
    const c = clipToBound(far, base, 5);
    expect(c.clipped).toBe(true);
    expect(c.norm).toBeCloseTo(50, 5);
    expect(Array.from(c.weights)).toEqual([4, -3, 1].map((v) => expect.closeTo(v, 5)));
    expect(clipToBound(Float32Array.from([2, 1, 1]), base, 5).clipped).toBe(false);
  });

  it('one client declaring 1e9 labels and a 1e6x update moves capped, clipped FedAvg by at most maxShare x bound', () => {
    const base = new Float32Array(1000).fill(0.1);
    const honest = Array.from({ length: 4 }, (_, k) => Float32Array.from(base, (v, i) => v + 0.01 * Math.sin(i + k)));
    const attack = Float32Array.from(base, (v, i) => v + 1e6 * Math.cos(i));
    const honestAgg = fedAvg(honest.map((w) => ({ weights: w, sampleCount: 35 })));
    const bound = 3 * Math.sqrt(base.reduce((s, v) => s + v * v, 0));
    const all = [...honest, attack].map((w) => clipToBound(w, base, bound).weights);
    const w = cappedWeights([35, 35, 35, 35, 1e9], 0.25);
    const agg = fedAvg(all.map((x, k) => ({ weights: x, sampleCount: w[k] as number })));
    // Stated distance: the attacker's share (<= 0.25) times (its clipped norm + the honest spread).
    expect(l2Distance(agg, honestAgg)).toBeLessThanOrEqual(0.25 * (bound + 1));
    // Plain FedAvg with the claimed count is taken over by the attacker.
    const plain = fedAvg([...honest, attack].map((x, k) => ({ weights: x, sampleCount: k === 4 ? 1e9 : 35 })));
    expect(l2Distance(plain, attack)).toBeLessThan(l2Distance(plain, honestAgg));
  });
});
