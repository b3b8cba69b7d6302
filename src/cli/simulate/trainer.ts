/**
 * What the protocol driver needs from a training engine. The real implementation wraps the
 * engine's worker pool (engine-trainer.ts); tests use a cheap deterministic fake. Calls may
 * be issued concurrently (one per client); the implementation decides how many run at once.
 */
import { type SgdSettings, type WeightSet } from '../../core';

export type SplitName = 'train' | 'test';

export interface LrStepSchedule {
  milestones: number[];
  gamma: number;
  unit: 'epoch' | 'batch';
}

export interface TrainJob extends SgdSettings {
  client: number;
  init: WeightSet;
  /** Train-split indices of the labeled set. */
  indices: Int32Array;
  /** FedProx mu (0: plain SGD). */
  proxMu?: number;
  /** SCAFFOLD: every step uses g + c - c_i (c = server, c_i = this client; flat, weight-set layout). */
  control?: { server: Float32Array; client: Float32Array };
  earlyStopAccuracy?: number;
  earlyStopOn?: 'running' | 'eval';
  schedule?: LrStepSchedule;
}

export interface TrainOutcome {
  weights: WeightSet;
  /** SGD steps taken. */
  steps: number;
  /** Sum of the lr over the steps taken (SCAFFOLD option II divides x - y_i by it). */
  lrSum: number;
  epochsRun: number;
  /** Training accuracy of the last epoch. */
  finalTrainAccuracy: number;
  /** Images passed through the model (epochs x samples, as run). */
  imagePasses: number;
}

export interface InferOutcome {
  /** n x C softmax, row-major. */
  probs: Float32Array;
  /** n x D penultimate features, row-major. */
  features: Float32Array;
  featureDim: number;
}

export interface TrainProgressTick {
  client: number;
  /** Images processed since the last tick. */
  images: number;
}

export interface SimTrainer {
  /** Human-readable description (engine, backend, worker count) for the log header. */
  readonly description: string;
  /** Whether train() honours TrainJob.control (needed by SCAFFOLD). */
  readonly supportsGradCorrection: boolean;
  initWeights(seed: number): Promise<WeightSet>;
  train(job: TrainJob, onProgress?: (t: TrainProgressTick) => void): Promise<TrainOutcome>;
  infer(weights: WeightSet, split: SplitName, indices: Int32Array): Promise<InferOutcome>;
  close(): Promise<void>;
}
