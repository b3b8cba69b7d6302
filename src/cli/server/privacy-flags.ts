// `federation create`'s privacy flags (issue 19): they fill the config's secureAggregation and
// differentialPrivacy sections, which the config schema then validates like the rest (a flag
// given twice, in the file and on the command line, takes the flag's value).
import { federationEpsilon, noiseForEpsilon } from '../../core/privacy';
import type { FederationConfig } from '../../shared/wire';
import { num, UsageError } from './args';

export const PRIVACY_OPTIONS = {
  'secure-aggregation': { type: 'boolean' },
  'survivor-fraction': { type: 'string' },
  'dp-noise': { type: 'string' },
  'dp-clip': { type: 'string' },
  'dp-weight-cap': { type: 'string' },
  'dp-delta': { type: 'string' },
  'dp-target-epsilon': { type: 'string' },
  'dp-adaptive-quantile': { type: 'string' },
  'dp-count-noise': { type: 'string' },
} as const;

export const PRIVACY_USAGE = `    [--secure-aggregation [--survivor-fraction 0.67]]
    [--dp-clip C (--dp-noise Z | --dp-target-epsilon E) [--dp-weight-cap 100] [--dp-delta 1e-5]
     [--dp-adaptive-quantile 0.5 --dp-count-noise S]]`;

type Values = Partial<Record<keyof typeof PRIVACY_OPTIONS, string | boolean | undefined>>;

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** The config JSON with the flags' sections merged in (not yet validated). */
export function withPrivacyFlags(json: Record<string, unknown>, v: Values): Record<string, unknown> {
  const out = { ...json };
  if (v['secure-aggregation'] || v['survivor-fraction'] !== undefined) {
    if (!v['secure-aggregation']) throw new UsageError('--survivor-fraction goes with --secure-aggregation');
    const base = (json.secureAggregation as Record<string, unknown> | undefined) ?? {};
    out.secureAggregation = { ...base, ...(v['survivor-fraction'] !== undefined ? { survivorFraction: num('survivor-fraction', str(v['survivor-fraction']), 0) } : {}) };
  }
  const dpFlags = ['dp-noise', 'dp-clip', 'dp-weight-cap', 'dp-delta', 'dp-target-epsilon', 'dp-adaptive-quantile', 'dp-count-noise'] as const;
  if (dpFlags.some((f) => v[f] !== undefined)) {
    const base = (json.differentialPrivacy as Record<string, unknown> | undefined) ?? {};
    const dp: Record<string, unknown> = { ...base };
    const set = (flag: (typeof dpFlags)[number], key: string) => {
      if (v[flag] !== undefined) dp[key] = num(flag, str(v[flag]), 0);
    };
    set('dp-noise', 'noiseMultiplier');
    set('dp-clip', 'clipNorm');
    set('dp-weight-cap', 'weightCap');
    set('dp-delta', 'delta');
    set('dp-target-epsilon', 'targetEpsilon');
    if (v['dp-adaptive-quantile'] !== undefined || v['dp-count-noise'] !== undefined) {
      if (v['dp-count-noise'] === undefined) throw new UsageError('adaptive clipping needs --dp-count-noise (the noise on the count of unclipped clinics; more than half of --dp-noise)');
      dp.adaptiveClipping = {
        ...(v['dp-adaptive-quantile'] !== undefined ? { targetQuantile: num('dp-adaptive-quantile', str(v['dp-adaptive-quantile']), 0.5) } : {}),
        countNoiseMultiplier: num('dp-count-noise', str(v['dp-count-noise']), 0),
      };
    }
    if (dp.noiseMultiplier === undefined && dp.targetEpsilon !== undefined) {
      // The admin set the budget: the noise multiplier follows from the planned rounds.
      const rounds = Number(json.cycles) * Number(json.roundsPerCycle);
      if (!(rounds >= 1)) throw new UsageError('--dp-target-epsilon without --dp-noise needs the config\'s cycles and roundsPerCycle (the planned rounds)');
      dp.noiseMultiplier = Math.ceil(noiseForEpsilon(Number(dp.targetEpsilon), rounds, Number(dp.delta ?? 1e-5)) * 1000) / 1000;
    }
    if (dp.noiseMultiplier === undefined || dp.clipNorm === undefined) throw new UsageError('differential privacy needs --dp-clip (the clipping norm) and --dp-noise (the noise multiplier) or --dp-target-epsilon (the noise follows from it)');
    out.differentialPrivacy = dp;
  }
  return out;
}

/** What `federation create` prints about the federation's protections. */
export function privacySummary(c: FederationConfig): string[] {
  const lines: string[] = [];
  if (c.secureAggregation) lines.push(`  secure aggregation: on (the server sees only each round's sum; ${Math.round(c.secureAggregation.survivorFraction * 100)}% of a round's clinics must stay to unmask it)`);
  else lines.push('  secure aggregation: off (the server sees each clinic\u2019s update)');
  const dp = c.differentialPrivacy;
  if (dp) {
    const rounds = c.cycles * c.roundsPerCycle;
    lines.push(
      `  differential privacy: noise multiplier ${dp.noiseMultiplier}, clip ${dp.clipNorm}${dp.adaptiveClipping ? ' (adaptive)' : ''}, ` +
        `epsilon ${federationEpsilon(dp.noiseMultiplier, rounds, dp.delta).toPrecision(3)} at delta ${dp.delta} over all ${rounds} rounds` +
        (dp.targetEpsilon !== undefined ? `; training stops before epsilon passes ${dp.targetEpsilon}` : ''),
    );
  } else lines.push('  differential privacy: off');
  return lines;
}
