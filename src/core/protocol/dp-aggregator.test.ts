// Issue 19, differential privacy in the aggregator: one clinic moves the average by at most
// clipNorm / D whatever its update and label count; the noise has the stated std; without noise
// it is the capped-weight average of the clipped deltas over the fixed denominator.
import { describe, expect, it } from 'vitest';
import { l2Norm, normalSampler } from '../privacy';
import { createRng } from '../rng';
import { createAggregator, deltaNoise, dpFedAvg, nextClipNorm, type ClientUpdate } from './aggregators';

const global = new Float32Array(1000).fill(0.5);
const update = (id: string, scale: number, count: number, seed: number): ClientUpdate => {
  const rng = createRng(seed);
  return { clientId: id, sampleCount: count, weights: Float32Array.from(global, (g) => g + (rng.next() - 0.5) * scale) };
};
const zeroNoise = () => 0;

describe('differential privacy: DP-FedAvg aggregation', () => {
  it('bounds one clinic: a huge update with a huge count moves the model by at most clipNorm / D', () => {
    const others = [update('a', 0.01, 30, 1), update('b', 0.01, 30, 2)];
    const base = dpFedAvg({ global, control: null, updates: others, totalClients: 4, normal: zeroNoise }, { noiseMultiplier: 1, clipNorm: 0.5, weightCap: 50 }).weights;
    const withAttacker = dpFedAvg({ global, control: null, updates: [...others, update('x', 1000, 1e9, 3)], totalClients: 4, normal: zeroNoise }, { noiseMultiplier: 1, clipNorm: 0.5, weightCap: 50 }).weights;
    const moved = l2Norm(Float32Array.from(withAttacker, (v, i) => v - (base[i] as number)));
    expect(moved).toBeLessThanOrEqual(0.5 / 4 + 1e-5);
    expect(moved).toBeGreaterThan(0.5 / 4 - 1e-3);
  });

  it('adds noise of std z * C / D to the average (fixed seed)', () => {
    const rng = createRng(9);
    const out = dpFedAvg({ global, control: null, updates: [], totalClients: 5, normal: normalSampler(() => rng.next()) }, { noiseMultiplier: 2, clipNorm: 0.25, weightCap: 10 }).weights;
    const noise = Array.from(out, (v) => v - 0.5);
    const sd = Math.sqrt(noise.reduce((a, b) => a + b * b, 0) / noise.length);
    expect(sd).toBeCloseTo((2 * 0.25) / 5, 2);
  });

  it('is refused with median, trimmed mean and SCAFFOLD, and needs a noise source', () => {
    const dp = { noiseMultiplier: 1, clipNorm: 1, weightCap: 10 };
    expect(() => createAggregator({ name: 'median' }, dp)).toThrow(/FedAvg and FedProx/);
    expect(() => createAggregator({ name: 'scaffold', globalLearningRate: 1 }, dp)).toThrow(/FedAvg and FedProx/);
    expect(() => createAggregator({ name: 'fedavg' }, dp).aggregate({ global, control: null, updates: [], totalClients: 1 })).toThrow(/noise source/);
  });

  it('adaptive clipping: the delta keeps z_delta = (z^-2 - (2 sigma_b)^-2)^-1/2, the count is noised, the norm moves towards the quantile', () => {
    const dp = { noiseMultiplier: 1, clipNorm: 0.5, weightCap: 10, adaptiveClipping: { targetQuantile: 0.5, learningRate: 0.2, countNoiseMultiplier: 2 } };
    expect(deltaNoise(dp)).toBeCloseTo((1 - 1 / 16) ** -0.5, 12);
    expect(() => deltaNoise({ ...dp, adaptiveClipping: { ...dp.adaptiveClipping, countNoiseMultiplier: 0.4 } })).toThrow(/must exceed half the noise multiplier/);
    // Three clinics, all within the norm; zero noise: the fraction is 1 and the norm shrinks.
    const small = [update('a', 0.001, 30, 1), update('b', 0.001, 30, 2), update('c', 0.001, 30, 3)];
    const out = dpFedAvg({ global, control: null, updates: small, totalClients: 3, normal: zeroNoise }, dp);
    expect(out.unclippedFraction).toBe(1);
    expect(nextClipNorm(dp, out.unclippedFraction)).toBeCloseTo(0.5 * Math.exp(-0.2 * 0.5), 12);
    // All clipped: the norm grows.
    const big = [update('a', 10, 30, 1), update('b', 10, 30, 2)];
    const grown = dpFedAvg({ global, control: null, updates: big, totalClients: 3, normal: zeroNoise }, dp);
    expect(nextClipNorm(dp, grown.unclippedFraction)).toBeCloseTo(0.5 * Math.exp(0.2 * 0.5), 12);
  });
});
