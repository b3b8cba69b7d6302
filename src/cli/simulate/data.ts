/**
 * The simulated federation's data: a MedMNIST-format archive, optionally long-tailed, its
 * train split partitioned over clients and its test split partitioned alike (dir_balance with
 * the train proportions, as the official code does) for per-client local accuracy.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
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
  /** Initial labeled sets fixed by a partition file for this run's seed (else drawn by the protocol). */
  initialLabeled?: number[][];
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

const PartitionFileSchema = z.object({
  pools: z.array(z.array(z.number().int().nonnegative())),
  testSets: z.array(z.array(z.number().int().nonnegative())),
  /** Per run seed (as a string key), each client's initial labeled train indices. */
  initialLabeled: z.record(z.string(), z.array(z.array(z.number().int().nonnegative()))).default({}),
});

function counts(ids: readonly number[], labels: Int32Array, C: number): number[] {
  const out = new Array<number>(C).fill(0);
  for (const i of ids) out[labels[i] as number] = (out[labels[i] as number] as number) + 1;
  return out;
}

/** Every index in range and owned by at most one client. */
function checkDisjoint(what: string, sets: readonly (readonly number[])[], n: number): void {
  const owner = new Int32Array(n).fill(-1);
  sets.forEach((ids, k) => {
    for (const i of ids) {
      if (i >= n) throw new SimDataError(`${what}: client ${k} holds index ${i}, the split has ${n} samples`);
      if (owner[i] !== -1) throw new SimDataError(`${what}: index ${i} is held by clients ${owner[i]} and ${k}`);
      owner[i] = k;
    }
  });
}

/**
 * A partition fixed by a file (e.g. the official code's, exported by bench/parity), so a run
 * can start from exactly the clients and initial labels another implementation used.
 */
export function readPartitionFile(path: string, data: SimData, cfg: { clients: number; seed: number; longTailRho: number | undefined }): SimPartition {
  if (cfg.longTailRho !== undefined) throw new SimDataError('--partition-file indexes the full train split; it cannot be combined with --long-tail-rho');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SimDataError(`cannot read partition file '${path}': ${(e as Error).message}`);
  }
  const r = PartitionFileSchema.safeParse(raw);
  if (!r.success) throw new SimDataError(`partition file '${path}': ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const f = r.data;
  if (f.pools.length !== cfg.clients || f.testSets.length !== cfg.clients) {
    throw new SimDataError(`partition file '${path}' has ${f.pools.length} pools and ${f.testSets.length} test sets for ${cfg.clients} clients`);
  }
  checkDisjoint(`partition file '${path}' pools`, f.pools, data.train.count);
  checkDisjoint(`partition file '${path}' test sets`, f.testSets, data.test.count);
  const C = data.numClasses;
  const sorted = (a: readonly number[]) => [...a].sort((x, y) => x - y);
  const out: SimPartition = {
    pools: f.pools.map(sorted),
    testSets: f.testSets.map(sorted),
    trainCounts: f.pools.map((p) => counts(p, data.train.labels, C)),
    testCounts: f.testSets.map((p) => counts(p, data.test.labels, C)),
  };
  const init = f.initialLabeled[String(cfg.seed)];
  if (init) {
    if (init.length !== cfg.clients) throw new SimDataError(`partition file '${path}': seed ${cfg.seed} has ${init.length} initial sets for ${cfg.clients} clients`);
    init.forEach((ids, k) => {
      const pool = new Set(f.pools[k]);
      const bad = ids.find((i) => !pool.has(i));
      if (bad !== undefined) throw new SimDataError(`partition file '${path}': initial label ${bad} of client ${k} is not in its pool`);
    });
    out.initialLabeled = init.map(sorted);
  }
  return out;
}

export function partitionSimData(
  data: SimData,
  cfg: Pick<SimConfig, 'partition' | 'clients' | 'alpha' | 'classesPerClient' | 'partitionSeed'> & Partial<Pick<SimConfig, 'partitionFile' | 'seed' | 'longTailRho'>>,
): SimPartition {
  if (cfg.partitionFile !== undefined) {
    if (cfg.seed === undefined) throw new SimDataError('a partition file needs the run seed (its initial labels are per seed)');
    return readPartitionFile(cfg.partitionFile, data, { clients: cfg.clients, seed: cfg.seed, longTailRho: cfg.longTailRho });
  }
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
