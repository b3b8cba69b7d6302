// The accountant against TensorFlow Privacy's published reference values (its rdp_accountant
// tests) and the closed forms: q = 1 is the plain Gaussian mechanism, alpha / (2 sigma^2).
import { describe, expect, it } from 'vitest';
import { AccountantError, DEFAULT_ORDERS, epsilonFromRdp, rdpSampledGaussian } from './rdp';

describe('differential privacy: the RDP accountant of the sampled Gaussian mechanism', () => {
  it('reproduces the published RDP values at integer and fractional orders', () => {
    expect(rdpSampledGaussian(0.1, 2, 10, [5])[0]).toBeCloseTo(0.07737, 5);
    const ref = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307, Infinity];
    const got = rdpSampledGaussian(0.01, 2.5, 50, [1.5, 2.5, 5, 50, 100, Infinity]);
    got.forEach((v, i) => {
      if (ref[i] === Infinity) expect(v).toBe(Infinity);
      else expect(Math.abs(v - (ref[i] as number))).toBeLessThan(1e-5 * Math.max(1, ref[i] as number));
    });
  });

  it('has the closed forms at the edges: no sampling, no data', () => {
    expect(rdpSampledGaussian(1, 10, 1, [20])[0]).toBeCloseTo(0.1, 12);
    expect(rdpSampledGaussian(0, 10, 1, [20])[0]).toBe(0);
  });

  it('converts to (epsilon, delta) as published: pure DP and the exact (1, 1e-6) Gaussian', () => {
    const orders = Array.from({ length: 31 }, (_, i) => i + 2);
    const pure = epsilonFromRdp(orders, orders.map(() => 1.1), 1e-5);
    expect(pure.order).toBe(32);
    expect(pure.epsilon).toBeCloseTo(1.32783806176, 9);
    const fine = Array.from({ length: 99_000 }, (_, i) => 0.001 * (i + 1001));
    const g = epsilonFromRdp(fine, rdpSampledGaussian(1, 4.530877117, 1, fine), 1e-6);
    expect(g.epsilon).toBeCloseTo(1, 3);
  });

  it('composes: more rounds or less noise never lowers epsilon', () => {
    const eps = (q: number, z: number, t: number) => epsilonFromRdp(DEFAULT_ORDERS, rdpSampledGaussian(q, z, t, DEFAULT_ORDERS), 1e-5).epsilon;
    expect(eps(1, 1, 20)).toBeGreaterThan(eps(1, 1, 10));
    expect(eps(0.5, 0.8, 10)).toBeGreaterThan(eps(0.5, 1.2, 10));
    expect(eps(0.1, 1, 100)).toBeLessThan(eps(1, 1, 100));
  });

  it('refuses meaningless parameters', () => {
    expect(() => rdpSampledGaussian(0.1, 0, 1, [2])).toThrow(AccountantError);
    expect(() => rdpSampledGaussian(1.5, 1, 1, [2])).toThrow(/sampling rate/);
    expect(() => epsilonFromRdp([2], [0.1], 0)).toThrow(/delta/);
  });
});
