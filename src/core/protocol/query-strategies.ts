// Query strategies as a federation names them: the strategy with its parameters (FairFAL's
// delta, kappa, temperature; defaults from FAIRFAL.md) and which models it needs, so the
// client, the simulator and standalone mode build the very same strategy from a config.
import { fairfalStrategy } from '../fairfal/query';
import { getStrategy, STRATEGY_NAMES } from '../strategies/registry';
import type { QueryStrategy } from '../strategies/types';

export type StrategyParams = Record<string, number | string | boolean>;

export class StrategyParamsError extends Error {
  override readonly name = 'StrategyParamsError';
}

const FAIRFAL_PARAMS = ['delta', 'kappa', 'temperature'] as const;

export function queryStrategyFor(name: string, params: StrategyParams = {}): QueryStrategy {
  if (!(STRATEGY_NAMES as readonly string[]).includes(name)) throw new StrategyParamsError(`unknown query strategy '${name}'`);
  if (name !== 'fairfal') {
    const keys = Object.keys(params);
    if (keys.length) throw new StrategyParamsError(`query strategy '${name}' takes no parameters (got ${keys.join(', ')})`);
    return getStrategy(name);
  }
  const opts: { delta?: number; kappa?: number; temperature?: number } = {};
  for (const [k, v] of Object.entries(params)) {
    if (!(FAIRFAL_PARAMS as readonly string[]).includes(k)) throw new StrategyParamsError(`FairFAL has no parameter '${k}' (it takes ${FAIRFAL_PARAMS.join(', ')})`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new StrategyParamsError(`FairFAL's ${k} must be a number, got ${JSON.stringify(v)}`);
    opts[k as (typeof FAIRFAL_PARAMS)[number]] = v;
  }
  return fairfalStrategy(opts);
}

/** The strategy reads a local-only model's outputs (FairFAL, LoGo, KAFAL, the *-local baselines). */
export function strategyNeedsLocalModel(s: QueryStrategy): boolean {
  return s.requires.some((k) => k === 'localProbs' || k === 'localFeatures' || k === 'labeledLocalProbs');
}
