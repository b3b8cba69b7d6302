// Issue 19 (differential privacy), the arithmetic: clipping bounds every delta, the noise has the
// stated standard deviation (statistical test, fixed seeds), distributed shares sum to the
// central noise, adaptive clipping finds the target quantile.
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { adaptClipNorm, addGaussianNoise, cappedWeight, clipToNorm, DpArgumentError, l2Norm, noisePlan, normalSampler } from './dp-fedavg';

describe('differential privacy: DP-FedAvg arithmetic', () => {
  it('clipping bounds every delta and leaves small ones alone', () => {
    const rng = createRng(1);
    for (let k = 0; k < 50; k++) {
      const d = Float32Array.from({ length: 1000 }, () => (rng.next() - 0.5) * (k + 1));
      const { clipped, norm, factor } = clipToNorm(d, 3);
      expect(l2Norm(clipped)).toBeLessThanOrEqual(3 * (1 + 1e-6));
      if (norm <= 3) expect(Array.from(clipped)).toEqual(Array.from(d));
      else expect(factor).toBeCloseTo(3 / norm, 10);
    }
    expect(() => clipToNorm(Float32Array.of(1, Number.NaN), 1)).toThrow(/non-finite/);
    expect(() => clipToNorm(Float32Array.of(1), 0)).toThrow(DpArgumentError);
  });

  it('adds noise of the stated standard deviation (200k draws, fixed seed)', () => {
    const rng = createRng(7);
    const normal = normalSampler(() => rng.next());
    const v = new Float32Array(200_000);
    addGaussianNoise(v, 0.37, normal);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
    // Standard errors: mean 0.37/sqrt(n) = 8e-4, sd ~ 0.37/sqrt(2n) = 6e-4: four of each.
    expect(Math.abs(mean)).toBeLessThan(3.5e-3);
    expect(Math.abs(sd - 0.37)).toBeLessThan(2.5e-3);
    // Normal, not just the right spread: ~68.3% within one sd, ~95.4% within two.
    const within = (k: number) => v.filter((x) => Math.abs(x) <= k * 0.37).length / v.length;
    expect(within(1)).toBeCloseTo(0.6827, 2);
    expect(within(2)).toBeCloseTo(0.9545, 2);
  });

  it('distributed noise shares sum to the central noise, and zero noise is refused', () => {
    const plan = noisePlan(1.1, 0.5, 10, 8);
    expect(plan.sumStd).toBeCloseTo(0.55, 12);
    expect(plan.averageStd).toBeCloseTo(0.055, 12);
    expect(Math.sqrt(8 * plan.perClientStd ** 2)).toBeCloseTo(plan.sumStd, 12);
    expect(() => noisePlan(0, 1, 10, 8)).toThrow(/zero noise gives no differential privacy/);
  });

  it('caps client weights at 1 so one client moves the sum by at most the clipping norm', () => {
    expect([cappedWeight(10, 40), cappedWeight(400, 40), cappedWeight(-3, 40)]).toEqual([0.25, 1, 0]);
  });

  it('adaptive clipping converges to the target quantile of the update norms', () => {
    const rng = createRng(3);
    const norms = Array.from({ length: 2000 }, () => Math.exp(rng.next() * 3)); // norms in [1, e^3]
    const sorted = [...norms].sort((a, b) => a - b);
    const median = sorted[1000] as number;
    let c = 0.1;
    for (let round = 0; round < 400; round++) {
      const batch = Array.from({ length: 50 }, () => norms[rng.int(norms.length)] as number);
      c = adaptClipNorm(c, batch.filter((n) => n <= c).length / batch.length, 0.5, 0.2);
    }
    expect(c / median).toBeGreaterThan(0.7);
    expect(c / median).toBeLessThan(1.4);
  });
});
