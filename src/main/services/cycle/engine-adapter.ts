// The seam between the cycle orchestrator and the engine: flat Float32Array weights in the
// engine's canonical order (exactly the federation's model blob), uint8 HWC images in, model
// outputs out. The implementation (worker-engine.ts) runs every job in an engine worker
// thread so the main process (and the UI it serves) never stalls on training.
import type { BackendReport } from '../../../shared/api';
import type { TrainingRecipe } from '../../../shared/wire';
import type { ImageSet } from '../../../engine/dataset';
import type { ModelConfig } from '../../../engine/models/types';
import type { LocalOnlyTrainOptions } from '../../../core/protocol';
import type { TensorSpec } from '../../../core/weights';

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
  /** The federation's SGD settings (default: momentum 0.9, wd 1e-5, batch 64, flips). */
  recipe?: TrainingRecipe;
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

export interface EngineAdapter {
  /** Parameter layout of the task's model (names, shapes) for export and validation. */
  specs(task: EngineModel): readonly TensorSpec[];
  initialWeights(task: EngineModel, seed: number): Float32Array;
  train(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, onProgress?: (fraction: number) => void, isCancelled?: () => boolean): Promise<Float32Array>;
  /** Like train, with SCAFFOLD's corrected step g + c - c_i; also returns the next c_i and its delta. */
  trainScaffold(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, controls: ScaffoldControls, onProgress?: (fraction: number) => void, isCancelled?: () => boolean): Promise<ScaffoldTrained>;
  /** The protocol's local-only recipe (core/protocol localOnlyTraining). */
  trainLocalOnly(task: EngineModel, init: Float32Array, data: ImageSet, indices: Int32Array, options: LocalOnlyTrainOptions, isCancelled?: () => boolean): Promise<LocalOnlyTrained>;
  predict(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, features: boolean): Promise<ModelOutputs>;
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
  if (channels !== 1 && channels !== 3) throw new EngineTaskError(`model input must have 1 or 3 channels, got ${channels}`);
  return { name: task.model.toLowerCase(), height, width, channels, numClasses: task.numClasses, ...(task.inputScaling ? { inputScaling: task.inputScaling } : {}) };
}
