/**
 * Public surface of the pure core. Other layers import from here ('../core' or 'src/core'),
 * never from individual files, so internals can move freely.
 * Sub-areas owned by other teams (aggregation, weights, partition) expose their own index;
 * they are re-exported here as they land.
 */
export * from './errors';
export * from './rng';
export * from './matrix';
export * from './metrics';
export * from './uncertainty';
export * from './gradEmbedding';
export * from './kcenter';
export * from './kmeans';

// FairFAL, piece by piece and end to end.
export * from './fairfal/queryModel';
export * from './fairfal/prototypes';
export * from './fairfal/quota';
export * from './fairfal/select';
export * from './fairfal/query';

// Strategies behind one interface, and the registry by name.
export * from './strategies/types';
export { prepareQuery, countLabels, type PreparedQuery } from './strategies/validate';
export { randomStrategy, entropyStrategy, marginStrategy, type ModelSide } from './strategies/simple';
export { badgeStrategy } from './strategies/badge';
export { coresetStrategy } from './strategies/coreset';
export { logoStrategy, predictedClassGradBlock, type LoGoOptions } from './strategies/logo';
export { kafalStrategy, kafalScores } from './strategies/kafal';
export * from './strategies/registry';

export * from './aggregation';
export * from './weights';
export * from './partition';
export { syntheticClient, type SyntheticClientOptions } from './synthetic';
export * from './protocol';
