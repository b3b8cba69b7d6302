// The one seam onto the engine (the Trainer): flat Float32Array weights in the engine's
// canonical order (exactly the federation's model blob), uint8 HWC images in, model outputs
// out. Two implementations: worker-trainer.ts runs every job on a pool of engine worker threads
// (the app, the headless client, the simulator: the UI's thread never stalls on training);
// in-process-trainer.ts runs them in the calling thread (benchmarks, tools). Both turn a job
// into the engine's options with the helpers below, so they train and measure alike.
import type { BackendReport } from '../shared/api';
import type { ImageSet } from './dataset';
import type { ModelConfig } from './models/types';
import type { LocalOnlyTrainOptions, RecipeSettings } from '../core/protocol';
import type { TensorSpec, WeightSet } from '../core/weights';
import { accuracy, balancedAccuracy, perClassRecall } from '../core/metrics';
import type { TrainOptions } from './train/trainer';
import type { BackboneInfo } from './backbone/types';

/** The model an engine job runs: architecture name, input shape, class count. */
export interface EngineModel {
  model: string;
  inputShape: readonly [number, number, number];
  numClasses: number;
  /** Default 'unit' (x/255). */
  inputScaling?: 'unit' | 'centered';
}

export interface TrainParams {
  epochs: number;
  lr: number;
  seed: number;
  /** The federation's recipe (default: the paper's SGD, momentum 0.9, wd 1e-5, batch 64, flips). */
  recipe?: Partial<RecipeSettings>;
  /** The clinic's held-out labels (indices into the data), for the recipe's early stopping. */
  holdout?: Int32Array;
  proxMu?: number;
  /** Stop once training accuracy reaches this (local-only model: 0.99). */
  earlyStopAccuracy?: number;
}

/** SCAFFOLD control variates for one round: c from the server, c_i of this client. */
export interface ScaffoldControls {
  server: Float32Array;
  client: Float32Array;
}

export interface ScaffoldTrained {
  weights: Float32Array;
  /** c_i+ (option II), to keep for the next round. */
  control: Float32Array;
  /** c_i+ - c_i, the update's second vector. */
  controlDelta: Float32Array;
}

export interface LocalOnlyTrained {
  weights: Float32Array;
  /** Epochs run before the early stop (or the cap). */
  epochsRun: number;
  /** The accuracy the early stop read after the last epoch. */
  trainAccuracy: number;
}

export interface ModelOutputs {
  probs: Float32Array;
  numClasses: number;
  features: Float32Array;
  featureDim: number;
}

export interface EvalResult {
  accuracy: number;
  balancedAccuracy: number;
  perClassRecall: (number | null)[];
  count: number;
}

export interface Trainer {
  /** Parameter layout of the task's model (names, shapes) for export and validation. */
  specs(task: EngineModel): readonly TensorSpec[];
  initialWeights(task: EngineModel, seed: number): Float32Array;
  train(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, onProgress?: (fraction: number) => void, isCancelled?: () => boolean): Promise<Float32Array>;
  /** Like train, with SCAFFOLD's corrected step g + c - c_i; also returns the next c_i and its delta. */
  trainScaffold(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, controls: ScaffoldControls, onProgress?: (fraction: number) => void, isCancelled?: () => boolean): Promise<ScaffoldTrained>;
  /** The protocol's local-only recipe (core/protocol localOnlyTraining). */
  trainLocalOnly(task: EngineModel, init: Float32Array, data: ImageSet, indices: Int32Array, options: LocalOnlyTrainOptions, isCancelled?: () => boolean): Promise<LocalOnlyTrained>;
  predict(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, features: boolean): Promise<ModelOutputs>;
  /** Loads and checks a pretrained backbone's file (model.json or .onnx) and describes it. */
  backboneInfo(file: string): Promise<BackboneInfo>;
  /** The backbone's features of these (pixel) images, [indices.length x featureDim]. */
  extractFeatures(file: string, data: ImageSet, indices: Int32Array, onProgress?: (fraction: number) => void, isCancelled?: () => boolean): Promise<Float32Array>;
  evaluate(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array): Promise<EvalResult>;
  /** The backend the engine picked where it runs (the status bar shows it). */
  backend(): Promise<BackendReport>;
  /** Stops the engine (worker thread); pending jobs reject. */
  close(): Promise<void>;
}

export class EngineTaskError extends Error {
  override readonly name = 'EngineTaskError';
}

export function modelConfig(task: EngineModel): ModelConfig {
  const [height, width, channels] = task.inputShape;
  return { name: task.model.toLowerCase(), height, width, channels, numClasses: task.numClasses, ...(task.inputScaling ? { inputScaling: task.inputScaling } : {}) };
}

/** The engine's training options for a round's job (the federation's recipe, else the defaults). */
export function roundTrainOptions(p: TrainParams): TrainOptions {
  const r = p.recipe ?? {};
  const stop = r.earlyStopping;
  return {
    epochs: p.epochs,
    lr: p.lr,
    seed: p.seed,
    hflip: r.hflip ?? true,
    ...(r.momentum !== undefined ? { momentum: r.momentum } : {}),
    ...(r.weightDecay !== undefined ? { weightDecay: r.weightDecay } : {}),
    ...(r.batchSize !== undefined ? { batchSize: r.batchSize } : {}),
    ...(r.minSteps ? { minSteps: r.minSteps } : {}),
    ...(r.sampling && r.sampling !== 'shuffle' ? { sampling: r.sampling } : {}),
    ...(r.augment ? { augment: { hflip: r.hflip ?? true, ...r.augment } } : {}),
    ...(r.cosine ? { cosine: true } : {}),
    ...(r.frozenBlocks && r.frozenBlocks.length > 0 ? { freeze: [...r.frozenBlocks] } : {}),
    ...(stop && p.holdout && p.holdout.length >= stop.minHeldOut ? { holdout: { indices: p.holdout, everySteps: stop.everySteps, patience: stop.patience } } : {}),
    ...(p.proxMu ? { proxMu: p.proxMu } : {}),
    ...(p.earlyStopAccuracy !== undefined ? { earlyStopAccuracy: p.earlyStopAccuracy } : {}),
  };
}

/** The weights as a weight set of the task's layout, or an error naming the size mismatch. */
export function checkedWeightSet(specs: WeightSet['specs'], data: Float32Array): WeightSet {
  const expected = specs.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
  if (data.length !== expected) throw new EngineTaskError(`model has ${expected} parameters, weights hold ${data.length}`);
  return { specs, data };
}

/**
 * Metrics from predictions, computed here (recall of a class absent from the set is null; the
 * worker's own 'evaluate' reply would carry NaN, which its zod protocol rejects).
 */
export function evaluationOf(out: ModelOutputs, data: ImageSet, indices: Int32Array): EvalResult {
  const C = out.numClasses;
  const yTrue = new Int32Array(indices.length);
  const yPred = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    yTrue[i] = data.labels[indices[i] as number] as number;
    let best = 0;
    for (let c = 1; c < C; c++) if ((out.probs[i * C + c] as number) > (out.probs[i * C + best] as number)) best = c;
    yPred[i] = best;
  }
  return {
    accuracy: accuracy(yTrue, yPred, C),
    balancedAccuracy: balancedAccuracy(yTrue, yPred, C),
    perClassRecall: Array.from(perClassRecall(yTrue, yPred, C), (v) => (Number.isFinite(v) ? v : null)),
    count: indices.length,
  };
}
