// The query step: model outputs on the labeled set and the unlabeled pool (global model and
// this client's local-only model), the federation's strategy from src/core, and the result
// shaped as queue items with their reasons and the current model's prediction.
import { classBalancedMeanProbs, createRng, globalRatio, matrix, presentClasses, type QueryInput, type QueryReason, type QuerySelection, type QueryStrategy } from '../../../core';
import type { ImageSet } from '../../../engine/dataset';
import type { QueueItem, QueueReason, SampleId } from '../../../shared/api';
import type { Trainer, ModelOutputs, EngineModel } from '../../../engine/trainer';

export interface QueryStepInput {
  engine: Trainer;
  task: EngineModel;
  data: ImageSet;
  sampleIds: readonly string[];
  labeled: Int32Array;
  unlabeled: Int32Array;
  globalWeights: Float32Array;
  /** The local-only model; null when the strategy does not need it (then the global stands in). */
  localWeights: Float32Array | null;
  gammaBar: number | undefined;
  budget: number;
  /** Built by core/protocol queryStrategyFor from the federation's name and parameters. */
  strategy: QueryStrategy;
  seed: number;
}

export interface QueryStepResult {
  items: QueueItem[];
  details: Record<string, number | string | number[]>;
  /** Global-model prediction for every pool sample (index into sampleIds). */
  poolPredictions: { index: number; label: number; probs: number[] }[];
  gammaK: number | null;
  /** The strategy's input and decision, for a host that records query states (bench/parity). */
  input: QueryInput;
  selection: QuerySelection;
}

function toMatrix(out: ModelOutputs, which: 'probs' | 'features') {
  const cols = which === 'probs' ? out.numClasses : out.featureDim;
  const data = which === 'probs' ? out.probs : out.features;
  return matrix(data, data.length / Math.max(1, cols), cols);
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}

export async function runQueryStep(q: QueryStepInput): Promise<QueryStepResult> {
  const { engine, task, data } = q;
  const C = task.numClasses;
  const gL = await engine.predict(task, q.globalWeights, data, q.labeled, true);
  const gU = await engine.predict(task, q.globalWeights, data, q.unlabeled, true);
  const local = q.localWeights;
  const lL = local ? await engine.predict(task, local, data, q.labeled, true) : gL;
  const lU = local ? await engine.predict(task, local, data, q.unlabeled, true) : gU;
  const labeledLabels = Int32Array.from(q.labeled, (i) => data.labels[i] as number);

  const input: QueryInput = {
    numClasses: C,
    poolSize: q.unlabeled.length,
    globalProbs: toMatrix(gU, 'probs'),
    localProbs: toMatrix(lU, 'probs'),
    globalFeatures: toMatrix(gU, 'features'),
    localFeatures: toMatrix(lU, 'features'),
    labeledGlobalFeatures: toMatrix(gL, 'features'),
    labeledLabels,
    labeledGlobalProbs: toMatrix(gL, 'probs'),
    labeledLocalProbs: toMatrix(lL, 'probs'),
    ...(q.gammaBar !== undefined ? { gammaBar: q.gammaBar } : {}),
  };
  const selection: QuerySelection = q.strategy.select(input, Math.min(q.budget, q.unlabeled.length), createRng(q.seed));

  const predictionOf = (poolIndex: number) => {
    const probs = Array.from(gU.probs.subarray(poolIndex * C, (poolIndex + 1) * C), (v) => Math.min(1, Math.max(0, v)));
    return { label: argmax(probs), probs };
  };
  const items: QueueItem[] = selection.reasons.map((r, rank) => ({
    sampleId: q.sampleIds[q.unlabeled[r.index] as number] as SampleId,
    reason: reasonOf(r, rank, selection.strategy),
    prediction: predictionOf(r.index),
  }));
  const poolPredictions = Array.from(q.unlabeled, (poolIdx, i) => ({ index: poolIdx, ...predictionOf(i) }));
  const details: Record<string, number | string | number[]> = { strategy: selection.strategy, budget: selection.budget, poolSize: selection.poolSize };
  if (selection.fairfal) {
    const f = selection.fairfal;
    Object.assign(details, {
      gammaK: f.gammaK,
      divergence: f.divergence,
      gammaBar: f.gammaBar,
      gammaBarSource: f.gammaBarSource,
      queryModel: f.queryModel.model,
      queryScore: f.queryModel.score,
      gradSource: f.gradSource,
      quota: f.quota,
    });
  }
  return { items, details, poolPredictions, gammaK: selection.fairfal?.gammaK ?? null, input, selection };
}

function reasonOf(r: QueryReason, rank: number, strategy: string): QueueReason {
  if (r.kind === 'fairfal') {
    return {
      strategy,
      rank,
      pseudoLabel: r.pseudoLabel,
      prototypeProb: clamp01(r.prototypeProb),
      normalizedEntropy: clamp01(r.normalizedEntropy),
      queryModel: r.queryModel,
      kcenterDistance: r.kcenterDistance === null ? null : Math.max(0, r.kcenterDistance),
      classRank: r.rank,
      score: null,
    };
  }
  return {
    strategy,
    rank,
    pseudoLabel: null,
    prototypeProb: null,
    normalizedEntropy: r.metric === 'entropy' && r.value !== null ? clamp01(r.value) : null,
    queryModel: null,
    kcenterDistance: null,
    classRank: null,
    score: { metric: r.metric, value: r.value !== null && Number.isFinite(r.value) ? r.value : null },
  };
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}

/** gamma_k = min_c pi_g[c] / max_c pi_g[c] over the classes present in the labeled set (FAIRFAL.md step 2), via the core. */
export async function computeGammaK(engine: Trainer, task: EngineModel, globalWeights: Float32Array, data: ImageSet, labeled: Int32Array): Promise<number> {
  const out = await engine.predict(task, globalWeights, data, labeled, false);
  const labels = Int32Array.from(labeled, (i) => data.labels[i] as number);
  const pi = classBalancedMeanProbs(toMatrix(out, 'probs'), labels);
  return clamp01(globalRatio(pi, presentClasses(labels, task.numClasses)));
}
