/** Every query strategy by name, with the paper's default settings. */
import { QueryInputError } from '../errors';
import { fairfalStrategy } from '../fairfal/query';
import { badgeStrategy } from './badge';
import { coresetStrategy } from './coreset';
import { kafalStrategy } from './kafal';
import { logoStrategy } from './logo';
import { entropyStrategy, marginStrategy, randomStrategy } from './simple';
import { type QueryStrategy } from './types';

export const STRATEGY_NAMES = [
  'random',
  'entropy',
  'entropy-local',
  'margin',
  'margin-local',
  'badge',
  'coreset',
  'logo',
  'kafal',
  'fairfal',
] as const;

export type StrategyName = (typeof STRATEGY_NAMES)[number];

const REGISTRY: Readonly<Record<StrategyName, QueryStrategy>> = {
  random: randomStrategy,
  entropy: entropyStrategy('global'),
  'entropy-local': entropyStrategy('local'),
  margin: marginStrategy('global'),
  'margin-local': marginStrategy('local'),
  badge: badgeStrategy,
  coreset: coresetStrategy,
  logo: logoStrategy(),
  kafal: kafalStrategy,
  fairfal: fairfalStrategy(),
};

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/** The strategy registered under `name`; QueryInputError('unknown-strategy') otherwise. */
export function getStrategy(name: string): QueryStrategy {
  if (!isStrategyName(name)) {
    throw new QueryInputError('unknown-strategy', `no query strategy named '${name}' (known: ${STRATEGY_NAMES.join(', ')})`);
  }
  return REGISTRY[name];
}
