/**
 * What a run log starts with (the header: config, engine, data, partition, budgets, start
 * labels) and the planned work that sizes the progress bar's ETA.
 */
import { type SimConfig } from './config';
import { minorityClasses, type SimData, type SimPartition } from './data';
import { type HeaderRecord } from './log-schema';
import { cycleFractions, perClientCount } from './plan';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** Planned image-passes from cycle `from` on (ETA): federated training plus a local-only estimate. */
export function plannedWork(cfg: SimConfig, labeledTotals: readonly number[], from: number, withLocal: boolean): number {
  let w = 0;
  labeledTotals.forEach((n, c) => {
    if (c < from) return;
    w += n * cfg.rounds * cfg.localEpochs;
    // Local-only models usually stop early; half the epoch cap is the estimate.
    if (withLocal && c < labeledTotals.length - 1) w += n * cfg.localOnlyEpochs * 0.5;
  });
  return w;
}

export function buildHeader(cfg: SimConfig, data: SimData, partition: SimPartition, engine: string, initialLabeled: number[][]): HeaderRecord {
  const N = data.train.count;
  return {
    type: 'header',
    version: 1,
    startedAt: new Date().toISOString(),
    config: { ...cfg },
    engine,
    dataset: {
      path: cfg.dataset,
      name: data.name,
      numClasses: data.numClasses,
      trainCount: N,
      testCount: data.test.count,
      trainClassCounts: data.trainClassCounts,
      testClassCounts: data.testClassCounts,
      minorityClasses: minorityClasses(data.trainClassCounts),
    },
    partition: { pools: partition.pools, testSets: partition.testSets, trainCounts: partition.trainCounts, testCounts: partition.testCounts },
    budgetPerClient: perClientCount(N, cfg.queryFraction, cfg.clients),
    initialPerClient: perClientCount(N, cfg.initialFraction, cfg.clients),
    fractions: cycleFractions(cfg),
    initialLabeled,
  };
}
