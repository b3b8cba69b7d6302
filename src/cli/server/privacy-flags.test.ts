// Issue 19: `federation create`'s privacy flags fill the config, and the config schema refuses
// what cannot work with a message that names the problem.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FederationConfigSchema } from '../../shared/wire';
import { minimalFederationConfig } from '../../shared/wire/testing/minimal-config';
import { federationEpsilon } from '../../core/privacy';
import { privacySummary, withPrivacyFlags } from './privacy-flags';

const base: Record<string, unknown> = { ...minimalFederationConfig({ name: 'derm', roundsPerCycle: 20, minClientsPerRound: 3 }) };

const errors = (json: unknown) => {
  const r = FederationConfigSchema.safeParse(json);
  return r.success ? '' : z.prettifyError(r.error);
};

describe('federation create: privacy flags', () => {
  it('secure aggregation and differential privacy from flags, with a summary in words', () => {
    const json = withPrivacyFlags(base, { 'secure-aggregation': true, 'survivor-fraction': '0.8', 'dp-noise': '1.1', 'dp-clip': '0.5', 'dp-target-epsilon': '8', 'dp-count-noise': '2' });
    const c = FederationConfigSchema.parse(json);
    expect(c.secureAggregation).toEqual({ survivorFraction: 0.8, weightCap: 200, range: 64 });
    expect(c.differentialPrivacy).toMatchObject({ noiseMultiplier: 1.1, clipNorm: 0.5, targetEpsilon: 8, adaptiveClipping: { targetQuantile: 0.5, learningRate: 0.2, countNoiseMultiplier: 2 } });
    const summary = privacySummary(c).join('\n');
    expect(summary).toMatch(/secure aggregation: on .*80% of a round's clinics/);
    expect(summary).toMatch(/noise multiplier 1.1, clip 0.5 \(adaptive\), epsilon \d+(\.\d+)? at delta 0.00001 over all 40 rounds; training stops before epsilon passes 8/);
  });

  it('a target epsilon without a noise multiplier: the noise follows from the planned rounds', () => {
    const c = FederationConfigSchema.parse(withPrivacyFlags(base, { 'dp-clip': '1', 'dp-target-epsilon': '10' }));
    const dp = c.differentialPrivacy!;
    // 40 planned rounds: the smallest z (to 0.1%, rounded up) whose epsilon stays within 10.
    expect(federationEpsilon(dp.noiseMultiplier, 40, 1e-5)).toBeLessThanOrEqual(10);
    expect(federationEpsilon(dp.noiseMultiplier * 0.99, 40, 1e-5)).toBeGreaterThan(10);
    expect(dp.targetEpsilon).toBe(10);
  });

  it('refuses what cannot work, naming the problem', () => {
    expect(() => withPrivacyFlags(base, { 'dp-noise': '1' })).toThrow(/needs --dp-clip/);
    expect(() => withPrivacyFlags(base, { 'survivor-fraction': '0.7' })).toThrow(/goes with --secure-aggregation/);
    expect(() => withPrivacyFlags(base, { 'dp-noise': 'x', 'dp-clip': '1' })).toThrow(/--dp-noise must be a number/);
    expect(errors(withPrivacyFlags(base, { 'dp-noise': '0', 'dp-clip': '1' }))).toMatch(/zero noise gives no differential privacy/);
    expect(errors(withPrivacyFlags({ ...base, minClientsPerRound: 2 }, { 'secure-aggregation': true }))).toMatch(/secure aggregation needs at least 3 clinics per round/);
    expect(errors(withPrivacyFlags({ ...base, aggregation: { name: 'median' } }, { 'secure-aggregation': true }))).toMatch(/'median' needs every clinic's individual update/);
    expect(errors(withPrivacyFlags(base, { 'dp-noise': '4', 'dp-clip': '1', 'dp-count-noise': '1' }))).toMatch(/countNoiseMultiplier must exceed noiseMultiplier \/ 2/);
    expect(errors(withPrivacyFlags({ ...base, aggregation: { name: 'scaffold' } }, { 'dp-noise': '1', 'dp-clip': '1' }))).toMatch(/'scaffold' is not supported with it yet/);
    expect(errors(withPrivacyFlags(base, { 'secure-aggregation': true, 'survivor-fraction': '0.4' }))).toMatch(/survivorFraction/);
    // A budget one round already exceeds would let round 1 run past it: refused up front.
    expect(federationEpsilon(0.1, 1, 1e-5)).toBeGreaterThan(10);
    expect(errors(withPrivacyFlags(base, { 'dp-noise': '0.1', 'dp-clip': '1', 'dp-target-epsilon': '10' }))).toMatch(/one round at noise multiplier 0.1 already spends epsilon [\d.e+]+, above the target 10/);
    // A clinic's noise share must fit the fixed-point range, or every clinic would sit out.
    expect(errors(withPrivacyFlags(base, { 'secure-aggregation': true, 'dp-noise': '10', 'dp-clip': '3' }))).toMatch(/noised values reach 124, beyond the secure-aggregation range 64/);
    expect(errors({ ...base, minClientsPerRound: 20, secureAggregation: { range: 1e6 } })).toMatch(/holds at most 8 clinics, fewer than minClientsPerRound \(20\)/);
  });
});
