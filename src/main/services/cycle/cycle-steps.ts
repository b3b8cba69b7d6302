// The steps both modes share: measuring a model, choosing the images to label (the query,
// with the local-only model when the federation's strategy needs it), and the random first
// set when nothing is labeled yet. Each ends by persisting the queue together with the next
// state (labeling), so a restart shows the same queue instead of recomputing it.
import { LOCAL_ONLY_DEFAULTS, localOnlyTraining, queryStrategyFor, strategyNeedsLocalModel } from '../../../core/protocol';
import type { Queue, QueueItem, SampleId, FederationPlan } from '../../../shared/api';
import type { CycleState } from './cycle-store';
import { type CycleRuntime, modelTask, SEED_SALT } from './cycle-runtime';
import { runQueryStep } from './query-step';
import { coldStartPicks } from '../../../core/cold-start';
import { measureCycle } from './measure';

export interface QueryRequest {
  cycle: number;
  info: FederationPlan;
  global: Float32Array;
  gammaBar: number | undefined;
  budget: number;
  strategy: string;
  params: Record<string, string | number | boolean>;
  /** Federated: the server's labeling cycle this queue answers (null otherwise). */
  labelingCycle: number | null;
}

/** Trains the local-only model (if the strategy needs it), runs the strategy, stores the queue and moves to labeling. */
export async function runQuery(rt: CycleRuntime, q: QueryRequest): Promise<void> {
  const { cycle, info, global, budget } = q;
  const mt = modelTask(info);
  const pool = await rt.readyPool();
  const modelHash = rt.deps.models.save(global);
  await measureCycle(rt, cycle, mt, global, pool, info.classNames);
  let local: Float32Array | null = null;
  let localOnly: Record<string, number> = {};
  // The federation's strategy with its parameters, built once here (an invalid config fails now).
  const strategy = queryStrategyFor(q.strategy, q.params ?? {});
  if (pool.labeled.length > 0 && strategyNeedsLocalModel(strategy)) {
    const init = rt.deps.engine.initialWeights(mt, rt.seed(cycle, SEED_SALT.localOnlyInit));
    // The federation's local-only settings and round recipe; a host may cap the epochs (tests, headless runs).
    const settings = info.localOnly;
    const options = localOnlyTraining(rt.seed(cycle, SEED_SALT.localOnlyTrain), {
      ...(settings ? { stopAccuracy: settings.stopAccuracy, scheduleUnit: settings.scheduleUnit, stopOn: settings.stopOn } : {}),
      ...(info.training ?? {}),
      ...(info.learningRate !== undefined ? { lr: info.learningRate } : {}),
      maxEpochs: rt.deps.localOnlyEpochs ?? settings?.maxEpochs ?? LOCAL_ONLY_DEFAULTS.maxEpochs,
    });
    const trained = await rt.work((_p, isC) => rt.deps.engine.trainLocalOnly(mt, init, pool.data, pool.labeled, options, isC));
    local = trained.weights;
    localOnly = { localOnlyEpochs: trained.epochsRun, localOnlyTrainAccuracy: trained.trainAccuracy };
  }
  const result = await rt.work(() =>
    runQueryStep({
      engine: rt.deps.engine, task: mt, data: pool.data, sampleIds: pool.ids, labeled: pool.labeled, unlabeled: pool.unlabeled,
      globalWeights: global, localWeights: local, gammaBar: q.gammaBar, budget, strategy, seed: rt.seed(cycle, SEED_SALT.query),
    }),
  );
  rt.deps.onQueryState?.({
    cycle, sampleIds: pool.ids, labeled: pool.labeled, unlabeled: pool.unlabeled, global, local, gammaBar: q.gammaBar, budget, input: result.input, selection: result.selection,
  });
  const queue: Queue = { cycle, createdAt: rt.now().toISOString(), budget, details: { ...result.details, ...localOnly }, items: result.items };
  const next: CycleState = { ...rt.state(), step: 'labeling', cycle, round: null, budget, modelHash, labelingCycle: q.labelingCycle, message: `${result.items.length} images to label`, updatedAt: rt.now().toISOString() };
  rt.deps.store.saveQueue(queue, result.poolPredictions.map((p) => ({ sampleId: pool.ids[p.index] as string, label: p.label, probs: p.probs })), next);
  rt.emitStatus(true);
  rt.deps.onQueue?.(queue);
}

/**
 * Cold start (no labels yet): a first queue of typical, diverse images, one per cluster of the
 * cycle's initial model's features (core/cold-start.ts), so the first labels already span the
 * collection instead of mirroring its imbalance.
 */
export async function seedQueue(rt: CycleRuntime, cycle: number, info: FederationPlan, initialModel: () => Promise<Float32Array>): Promise<void> {
  const s = rt.state();
  if (s.step === 'labeling' && rt.deps.store.queue()?.cycle === cycle) {
    await rt.idle(60_000);
    return;
  }
  const pool = await rt.readyPool();
  if (pool.ids.length === 0) {
    rt.update({ step: 'joined', message: 'Import images to begin' }, false);
    await rt.idle(5000);
    return;
  }
  const budget = Math.min(info.budgetPerCycle, pool.unlabeled.length);
  rt.update({ message: 'Choosing a first set of typical, varied images' }, false);
  const weights = await initialModel();
  const out = await rt.work(() => rt.deps.engine.predict(modelTask(info), weights, pool.data, pool.unlabeled, true));
  const picks = coldStartPicks(out.features, pool.unlabeled.length, out.featureDim, budget, rt.seed(cycle, SEED_SALT.firstQueue));
  const uniform = Array.from({ length: info.classNames.length }, () => 1 / info.classNames.length);
  const items: QueueItem[] = picks.map((p, rank) => ({
    sampleId: pool.ids[pool.unlabeled[p] as number] as SampleId,
    reason: { strategy: 'cold-start', rank, pseudoLabel: null, prototypeProb: null, normalizedEntropy: null, queryModel: null, kcenterDistance: null, classRank: null, score: { metric: 'cold-start', value: null } },
    prediction: { label: 0, probs: uniform },
  }));
  const queue: Queue = { cycle, createdAt: rt.now().toISOString(), budget, details: { strategy: 'cold-start', reason: 'no labels yet: one typical image from each of the collection\'s clusters' }, items };
  rt.deps.store.saveQueue(queue, [], { ...rt.state(), step: 'labeling', cycle, budget, labelingCycle: null, message: `Label ${budget} images to start`, updatedAt: rt.now().toISOString() });
  rt.emitStatus(true);
  rt.deps.onQueue?.(queue);
}
