/**
 * The simulated federation's data: a MedMNIST-format archive, optionally long-tailed, its
 * train split partitioned over clients and its test split partitioned alike (dir_balance with
 * the train proportions, as the official code does) for per-client local accuracy.
 */
import { basename } from 'node:path';
import { dirBalancePartition, longTailSubset, shardPartition } from '../../core/partition';
import { readMedMnist, type ImageSplit } from '../../engine/data/npz';
import { type SimConfig } from './config';
import { rngFor } from './seeds';

export class SimDataError extends Error {
  override readonly name = 'SimDataError';
}

export interface SimData {
  name: string;
  numClasses: number;
  train: ImageSplit;
  test: ImageSplit;
  /** Original train-split index of each simulated train sample (identity without long tail). */
  trainOrigin: Int32Array;
  trainClassCounts: number[];
  testClassCounts: number[];
}

export interface SimPartition {
  /** Train-split indices of each client's pool, ascending. */
  pools: number[][];
  /** Test-split indices of each client's local test set, ascending. */
  testSets: number[][];
  trainCounts: number[][];
  testCounts: number[][];
}

function classCounts(labels: Int32Array, C: number): number[] {
  const out = new Array<number>(C).fill(0);
  for (const y of labels) out[y] = (out[y] as number) + 1;
  return out;
}

function subset(split: ImageSplit, idx: readonly number[]): ImageSplit {
  const per = split.height * split.width * split.channels;
  const images = new Uint8Array(idx.length * per);
  const labels = new Int32Array(idx.length);
  idx.forEach((s, i) => {
    images.set(split.images.subarray(s * per, (s + 1) * per), i * per);
    labels[i] = split.labels[s] as number;
  });
  return { ...split, images, labels, count: idx.length };
}

export function loadSimData(cfg: Pick<SimConfig, 'dataset' | 'longTailRho' | 'longTailNMax' | 'partitionSeed'>): SimData {
  const ds = readMedMnist(cfg.dataset);
  const train0 = ds.splits.train;
  const test = ds.splits.test;
  if (!train0 || !test) throw new SimDataError(`${basename(cfg.dataset)} needs both a train and a test split`);
  const C = ds.numClasses;
  let train = train0;
  let origin = Int32Array.from({ length: train0.count }, (_, i) => i);
  if (cfg.longTailRho !== undefined) {
    const lt = longTailSubset(train0.labels, { numClasses: C, rho: cfg.longTailRho, ...(cfg.longTailNMax !== undefined ? { nMax: cfg.longTailNMax } : {}) }, rngFor(cfg.partitionSeed, 'long-tail'));
    train = subset(train0, lt.indices);
    origin = Int32Array.from(lt.indices);
  }
  return { name: ds.name, numClasses: C, train, test, trainOrigin: origin, trainClassCounts: classCounts(train.labels, C), testClassCounts: classCounts(test.labels, C) };
}

function rows(m: Int32Array, K: number, C: number): number[][] {
  return Array.from({ length: K }, (_, k) => Array.from(m.subarray(k * C, (k + 1) * C)));
}

export function partitionSimData(data: SimData, cfg: Pick<SimConfig, 'partition' | 'clients' | 'alpha' | 'classesPerClient' | 'partitionSeed'>): SimPartition {
  const K = cfg.clients;
  const C = data.numClasses;
  if (cfg.partition === 'dir_balance') {
    const tr = dirBalancePartition(data.train.labels, { numClients: K, numClasses: C, alpha: cfg.alpha }, rngFor(cfg.partitionSeed, 'partition', 'train'));
    const te = dirBalancePartition(
      data.test.labels,
      { numClients: K, numClasses: C, alpha: cfg.alpha, proportions: tr.proportions },
      rngFor(cfg.partitionSeed, 'partition', 'test'),
    );
    return { pools: tr.clients, testSets: te.clients, trainCounts: rows(tr.counts, K, C), testCounts: rows(te.counts, K, C) };
  }
  const rng = rngFor(cfg.partitionSeed, 'partition', 'shard');
  const tr = shardPartition(data.train.labels, { numClients: K, numClasses: C, classesPerClient: cfg.classesPerClient }, rng);
  // The official code shards the test split independently (its own class draw).
  const te = shardPartition(data.test.labels, { numClients: K, numClasses: C, classesPerClient: cfg.classesPerClient }, rngFor(cfg.partitionSeed, 'partition', 'shard-test'));
  return { pools: tr.clients, testSets: te.clients, trainCounts: rows(tr.counts, K, C), testCounts: rows(te.counts, K, C) };
}

/** The classes counted as the minority: the floor(C/2) rarest classes of the training set (ties: higher index). */
export function minorityClasses(trainClassCounts: readonly number[]): number[] {
  const C = trainClassCounts.length;
  const order = [...Array(C).keys()].sort((a, b) => (trainClassCounts[a] as number) - (trainClassCounts[b] as number) || b - a);
  return order.slice(0, Math.max(1, Math.floor(C / 2))).sort((a, b) => a - b);
}
