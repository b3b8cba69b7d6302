/**
 * The query step of one cycle: local-only models where the strategy needs them, model
 * outputs on each client's pool, gamma_bar (FairFAL: from the first query, frozen after),
 * then every client selects its budget. Returns the new labels and what the log records.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  aggregateGammaBar,
  clientQueryStats,
  localOnlyTraining,
  queryStrategyFor,
  type LocalOnlyRecipe,
  strategyNeedsLocalModel,
  matrix,
  normalizedEntropy,
  type QueryInput,
  type QuerySelection,
  type QueryStrategy,
  type WeightSet,
} from '../../core';
import { getModel } from '../../engine/models/registry';
import { modelConfigFor } from './engine-trainer';
import { ourOutcome, writeQueryState } from './query-state';
import { type SimConfig } from './config';
import { type SimData, type SimPartition } from './data';
import { type ProgressBar } from './progress';
import { deriveSeed, rngFor } from './seeds';
import { type InferOutcome, type SimTrainer, type TrainOutcome } from './trainer';

export type QueryModelLabel = 'global' | 'local' | 'both' | 'none';

export interface ClientQueryResult {
  queried: number[];
  queryModel: QueryModelLabel;
  gradSource: 'global' | 'local' | null;
  dK: number | null;
  gammaK: number | null;
  sK: number | null;
  localOnlyEpochs: number | null;
  localOnlyTrainAccuracy: number | null;
  localOnlyTestAccuracy: number | null;
}

export interface QueryPhaseResult {
  clients: ClientQueryResult[];
  gammaBar: number | null;
  gammaBarCycle: number | null;
  localOnlyMs: number;
  inferMs: number;
  queryMs: number;
  imagePasses: number;
}

export class QueryPhaseError extends Error {
  override readonly name = 'QueryPhaseError';
}

/** bench/parity: the client's state (torch layout) and our FairFAL decision beside it. */
function dumpClientState(
  cfg: SimConfig,
  data: SimData,
  dir: string,
  s: { labeled: readonly number[]; unlabeled: readonly number[]; gammaBar: number | null; budget: number; global: WeightSet; local: WeightSet | null; sel: QuerySelection; input: QueryInput },
): void {
  if (!s.local) throw new QueryPhaseError('a FairFAL query state needs the local-only model');
  const config = modelConfigFor(data, cfg.inputScaling);
  const arch = getModel(config.name).describe(config);
  const source = `simulate ${cfg.strategy} seed ${cfg.seed}`;
  const meta = { source, dataset: cfg.dataset, numClasses: data.numClasses, inputScaling: cfg.inputScaling, labeled: s.labeled, unlabeled: s.unlabeled, gammaBar: s.gammaBar, budget: s.budget };
  writeQueryState(dir, meta, arch, s.global, s.local);
  const qp = s.sel.fairfal?.queryModel.model === 'global' ? s.input.globalProbs : s.input.localProbs;
  if (!qp) throw new QueryPhaseError('the query model probabilities are missing');
  writeFileSync(join(dir, 'ours.json'), JSON.stringify(ourOutcome(s.sel, s.unlabeled, normalizedEntropy(qp))));
}

const FIXED_QUERY_MODEL: Record<string, QueryModelLabel> = {
  random: 'none',
  entropy: 'global',
  margin: 'global',
  'entropy-local': 'local',
  'margin-local': 'local',
  badge: 'global',
  coreset: 'global',
  logo: 'both',
  kafal: 'both',
};

/** The protocol's local-only recipe with the run's settings. */
export function localOnlyRecipe(cfg: SimConfig): Partial<LocalOnlyRecipe> {
  return {
    maxEpochs: cfg.localOnlyEpochs,
    lr: cfg.lr,
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
    batchSize: cfg.batchSize,
    hflip: cfg.hflip,
    stopAccuracy: cfg.localOnlyStopAccuracy,
    scheduleUnit: cfg.localOnlySchedule,
    stopOn: cfg.localOnlyStopOn,
  };
}

/** The run's query strategy, built by the protocol from its name and FairFAL's parameters. */
export function strategyFor(cfg: SimConfig): QueryStrategy {
  return queryStrategyFor(cfg.strategy, cfg.strategy === 'fairfal' ? { delta: cfg.delta, kappa: cfg.kappa, temperature: cfg.temperature } : {});
}

function splitRows(o: InferOutcome, C: number, nFirst: number) {
  const D = o.featureDim;
  const n = o.probs.length / C;
  return {
    firstProbs: matrix(o.probs.subarray(0, nFirst * C), nFirst, C, 'probs'),
    firstFeatures: matrix(o.features.subarray(0, nFirst * D), nFirst, D, 'features'),
    restProbs: matrix(o.probs.subarray(nFirst * C), n - nFirst, C, 'probs'),
    restFeatures: matrix(o.features.subarray(nFirst * D), n - nFirst, D, 'features'),
  };
}

/**
 * One client's strategy input from the model outputs on [unlabeled pool..., labeled set...]
 * (global, and local-only where trained), with FairFAL's gamma_k and d_k when both exist.
 */
export function clientQueryInput(
  C: number,
  nU: number,
  labels: Int32Array,
  global: InferOutcome,
  local: InferOutcome | null,
): { input: QueryInput; stats: { gammaK: number; divergence: number } | null } {
  const g = splitRows(global, C, nU);
  const input: QueryInput = {
    numClasses: C,
    poolSize: nU,
    globalProbs: g.firstProbs,
    globalFeatures: g.firstFeatures,
    labeledGlobalFeatures: g.restFeatures,
    labeledGlobalProbs: g.restProbs,
    labeledLabels: labels,
  };
  let stats: { gammaK: number; divergence: number } | null = null;
  if (local) {
    const l = splitRows(local, C, nU);
    input.localProbs = l.firstProbs;
    input.localFeatures = l.firstFeatures;
    input.labeledLocalProbs = l.restProbs;
    if (labels.length > 0) stats = clientQueryStats(g.restProbs, l.restProbs, labels, C);
  }
  return { input, stats };
}

function argmaxAccuracy(probs: Float32Array, labels: ArrayLike<number>, C: number): number | null {
  if (labels.length === 0) return null;
  let ok = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let j = 1; j < C; j++) if ((probs[i * C + j] as number) > (probs[i * C + best] as number)) best = j;
    if (best === labels[i]) ok++;
  }
  return ok / labels.length;
}

export async function runQueryPhase(args: {
  cfg: SimConfig;
  data: SimData;
  partition: SimPartition;
  trainer: SimTrainer;
  global: WeightSet;
  labeled: readonly number[][];
  budget: number;
  cycle: number;
  gammaBar: number | null;
  gammaBarCycle: number | null;
  progress: ProgressBar | null;
}): Promise<QueryPhaseResult> {
  const { cfg, data, partition, trainer, global, labeled, budget, cycle, progress } = args;
  const K = labeled.length;
  const C = data.numClasses;
  const strategy = strategyFor(cfg);
  const withLocal = strategyNeedsLocalModel(strategy);
  let passes = 0;

  // 1. Local-only models: trained from one fresh random init on L_k only.
  const t0 = Date.now();
  let local: (TrainOutcome | null)[] = labeled.map(() => null);
  if (withLocal) {
    progress?.setPhase(cycle, 'local-only models', K);
    const init = await trainer.initWeights(deriveSeed(cfg.seed, 'local-init', cycle));
    local = await Promise.all(
      labeled.map(async (lab, k) => {
        const recipe = localOnlyTraining(deriveSeed(cfg.seed, 'local-train', cycle, k), localOnlyRecipe(cfg));
        const out = await trainer.train(
          { client: k, init, indices: Int32Array.from(lab), ...recipe },
          (t) => progress?.addWork(t.images),
        );
        progress?.clientDone();
        return out;
      }),
    );
    for (const o of local) passes += o?.imagePasses ?? 0;
  }
  const localOnlyMs = Date.now() - t0;

  // 2. Model outputs on each client's unlabeled pool (first) and labeled set (after).
  const t1 = Date.now();
  progress?.setPhase(cycle, 'inference', K);
  const unlabeled = labeled.map((lab, k) => {
    const set = new Set(lab);
    return (partition.pools[k] as number[]).filter((i) => !set.has(i));
  });
  const outputs = await Promise.all(
    labeled.map(async (lab, k) => {
      const ids = Int32Array.from([...(unlabeled[k] as number[]), ...lab]);
      const g = await trainer.infer(global, 'train', ids);
      const lw = local[k]?.weights;
      const l = lw ? await trainer.infer(lw, 'train', ids) : null;
      const testIds = Int32Array.from(partition.testSets[k] as number[]);
      const lt = lw && cfg.evalClientTests && testIds.length > 0 ? await trainer.infer(lw, 'test', testIds) : null;
      progress?.clientDone();
      return { g, l, lt, testIds };
    }),
  );
  const inferMs = Date.now() - t1;

  // 3. Inputs per client; FairFAL's gamma_k / d_k, gamma_bar from the first query only.
  const t2 = Date.now();
  const inputs: QueryInput[] = [];
  const stats: ({ gammaK: number; divergence: number } | null)[] = [];
  labeled.forEach((lab, k) => {
    const o = outputs[k] as (typeof outputs)[number];
    const labels = Int32Array.from(lab, (i) => data.train.labels[i] as number);
    const { input, stats: st } = clientQueryInput(C, (unlabeled[k] as number[]).length, labels, o.g, o.l);
    inputs.push(input);
    stats.push(st);
  });
  let { gammaBar, gammaBarCycle } = args;
  if (cfg.strategy === 'fairfal' && gammaBar === null) {
    gammaBar = aggregateGammaBar(stats.map((s, k) => {
      if (!s) throw new QueryPhaseError(`client ${k} has no labeled sample: gamma_k is undefined`);
      return s.gammaK;
    }));
    gammaBarCycle = cycle;
  }

  // 4. Every client selects its budget.
  const clients: ClientQueryResult[] = labeled.map((lab, k) => {
    const input = inputs[k] as QueryInput;
    const pool = unlabeled[k] as number[];
    if (gammaBar !== null) input.gammaBar = gammaBar;
    const sel = strategy.select(input, budget, rngFor(cfg.seed, 'query', cycle, k));
    if (cfg.dumpQueryState !== undefined && sel.fairfal) {
      dumpClientState(cfg, data, join(cfg.dumpQueryState, `cycle${cycle}`, `client${k}`), {
        labeled: lab,
        unlabeled: pool,
        gammaBar,
        budget,
        global,
        local: local[k]?.weights ?? null,
        sel,
        input,
      });
    }
    const queried = sel.selected.map((i) => {
      const id = pool[i];
      if (id === undefined) throw new QueryPhaseError(`client ${k}: strategy returned pool index ${i} outside 0..${pool.length - 1}`);
      return id;
    });
    if (new Set(queried).size !== queried.length) throw new QueryPhaseError(`client ${k}: strategy returned duplicate samples`);
    if (queried.length !== Math.min(budget, pool.length)) {
      throw new QueryPhaseError(`client ${k}: strategy returned ${queried.length} samples for a budget of ${Math.min(budget, pool.length)}`);
    }
    const o = outputs[k] as (typeof outputs)[number];
    const st = stats[k] ?? null;
    const ff = sel.fairfal;
    const lo = local[k] ?? null;
    const testLabels = Array.from(o.testIds, (i) => data.test.labels[i] as number);
    return {
      queried: queried.sort((a, b) => a - b),
      queryModel: ff ? ff.queryModel.model : (FIXED_QUERY_MODEL[cfg.strategy] ?? 'none'),
      gradSource: ff ? ff.gradSource : null,
      dK: ff ? ff.divergence : (st?.divergence ?? null),
      gammaK: ff ? ff.gammaK : (st?.gammaK ?? null),
      sK: ff ? ff.queryModel.score : null,
      localOnlyEpochs: lo ? lo.epochsRun : null,
      localOnlyTrainAccuracy: lo ? lo.finalTrainAccuracy : null,
      localOnlyTestAccuracy: o.lt ? argmaxAccuracy(o.lt.probs, testLabels, C) : null,
    };
  });
  return { clients, gammaBar, gammaBarCycle, localOnlyMs, inferMs, queryMs: Date.now() - t2, imagePasses: passes };
}
