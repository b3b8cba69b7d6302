// Issue 19: what clinics put into a secure sum, and what the server makes of it, against the
// plaintext aggregators on the same updates (no fixed point here: that is platform/secagg's).
// The differential-privacy noise split over the clinics sums to the stated standard deviation.
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { normalSampler } from '../privacy';
import { createAggregator, dpFedAvg } from './aggregators';
import { aggregateSecureSum, maxSecureMembers, secureContribution, secureScaleBits, secureSumKind, secureThreshold, secureVectorLength, type SecureSumKind } from './secure-sum';

const P = 500;
const rng = createRng(11);
const global = Float32Array.from({ length: P }, () => rng.next() - 0.5);
const updates = [3, 8, 21, 40].map((count, k) => ({
  clientId: `c${k}`,
  sampleCount: count,
  weights: global.map((v, i) => v + 0.05 * Math.sin(i * (k + 1))),
  controlDelta: Float32Array.from({ length: P }, (_, i) => 0.01 * Math.cos(i + k)),
}));

function secureRound(kind: SecureSumKind, control: Float32Array | null, dp?: { noiseMultiplier: number; clipNorm: number; weightCap: number }, normal: () => number = () => 0) {
  const sum = new Float64Array(secureVectorLength(kind, P));
  for (const u of updates) {
    const c = secureContribution({ kind, global, weights: u.weights, controlDelta: u.controlDelta, labelCount: u.sampleCount, normBound: 1e9, settings: { weightCap: 200 }, dp, noiseShares: 3, normal });
    c.forEach((v, i) => (sum[i] = (sum[i] as number) + v));
  }
  return aggregateSecureSum({ kind, global, control, sum, contributors: updates.length, totalClients: 5, scaffoldLearningRate: 1 });
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe('secure sum', () => {
  it('FedAvg and FedProx: the weight inside the vector gives plaintext FedAvg', () => {
    const plain = createAggregator({ name: 'fedavg' }).aggregate({ global, control: null, updates, totalClients: 5, maxClientShare: 1 });
    expect(maxDiff(secureRound('weighted', null).weights, plain.weights)).toBeLessThan(1e-6);
    expect(secureSumKind({ name: 'fedprox', mu: 0.01 })).toBe('weighted');
  });

  it('SCAFFOLD: control deltas go through the same sum', () => {
    const control = Float32Array.from({ length: P }, (_, i) => 0.001 * i);
    const plain = createAggregator({ name: 'scaffold', globalLearningRate: 1 }).aggregate({ global, control, updates, totalClients: 5 });
    const secure = secureRound('scaffold', control);
    expect(maxDiff(secure.weights, plain.weights)).toBeLessThan(1e-6);
    expect(maxDiff(secure.control!, plain.control!)).toBeLessThan(1e-6);
  });

  it('DP-FedAvg: clipped, capped contributions over the fixed denominator equal the central aggregate (noise aside)', () => {
    const dp = { noiseMultiplier: 1, clipNorm: 0.3, weightCap: 20 };
    const central = dpFedAvg({ global, control: null, updates, totalClients: 5, normal: () => 0 }, dp).weights;
    expect(maxDiff(secureRound('dp', null, dp).weights, central)).toBeLessThan(1e-6);
  });

  it('differential privacy: each of t clinics adds std zC/sqrt(t); their sum has the stated std zC', () => {
    const dp = { noiseMultiplier: 1.5, clipNorm: 0.4, weightCap: 20 };
    const seeded = createRng(5);
    const draw = normalSampler(() => seeded.next());
    // Three clinics whose update is exactly the base: what they send is pure noise.
    const sum = new Float64Array(20_000);
    const base = new Float32Array(20_000);
    for (let k = 0; k < 3; k++) {
      const c = secureContribution({ kind: 'dp', global: base, weights: base, labelCount: 20, normBound: 1e9, settings: { weightCap: 200 }, dp, noiseShares: 3, normal: draw });
      c.forEach((v, i) => (sum[i] = (sum[i] as number) + v));
    }
    const mean = sum.reduce((s, v) => s + v, 0) / sum.length;
    const std = Math.sqrt(sum.reduce((s, v) => s + (v - mean) ** 2, 0) / (sum.length - 1));
    expect(Math.abs(mean)).toBeLessThan(0.02);
    // 20,000 draws: the sample std is within 2% of 1.5 x 0.4 = 0.6 (about 4 standard errors).
    expect(std / 0.6).toBeGreaterThan(0.98);
    expect(std / 0.6).toBeLessThan(1.02);
  });

  it('threshold, fixed-point scale and refusals', () => {
    expect(secureThreshold(3, 2 / 3)).toBe(3); // never a sum of 2: each would learn the other's update
    expect(secureThreshold(4, 0.51)).toBe(3);
    expect(secureThreshold(2, 2 / 3)).toBe(3); // above n: never unmasks
    expect(secureThreshold(10, 2 / 3)).toBe(7);
    expect(secureThreshold(10, 0.51)).toBe(6);
    expect(secureThreshold(100, 2 / 3)).toBe(67);
    expect(secureScaleBits(64, 10)).toBe(21);
    expect(secureScaleBits(64, 100)).toBe(18);
    expect(() => secureScaleBits(1e6, 1000)).toThrow(/fewer than 8 fractional bits/);
    expect(maxSecureMembers(64)).toBe(131_071);
    expect(() => secureScaleBits(1e6, maxSecureMembers(1e6))).not.toThrow();
    expect(() => secureScaleBits(1e6, maxSecureMembers(1e6) + 1)).toThrow(/fewer than 8 fractional bits/);
    expect(() => secureSumKind({ name: 'median' })).toThrow(/needs every clinic's individual update/);
    expect(() => secureSumKind({ name: 'scaffold', globalLearningRate: 1 }, { noiseMultiplier: 1, clipNorm: 1, weightCap: 1 })).toThrow(/SCAFFOLD/);
  });
});
