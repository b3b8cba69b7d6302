// Pure, seeded partitioners for simulated federations (official FairFAL semantics).
export { PartitionError } from './errors';
export {
  alternateNormalise,
  balanceClientTotals,
  clientTargets,
  dealByCounts,
  dirBalancePartition,
  drawDirichletProportions,
  roundByLargestRemainder,
  type ClientPartition,
  type DirBalanceOptions,
  type DirBalancePartition,
} from './dirBalance';
export { drawShardClasses, shardPartition, type ShardOptions } from './shard';
export { longTailCounts, longTailSubset, type LongTailOptions } from './longTail';
