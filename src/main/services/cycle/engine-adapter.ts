// The seam between the cycle orchestrator and the engine: flat Float32Array weights in the
// engine's canonical order (exactly the federation's model blob), uint8 HWC images in, model
// outputs out. This in-process implementation calls the engine's public functions; a worker
// thread implementation can replace it without the orchestrator noticing.
import { openModel, initWeights, type ModelHandle } from '../../../engine/model';
import { predict, evaluate } from '../../../engine/infer/inference';
import { trainLocalOnly, trainModel } from '../../../engine/train/trainer';
import type { ImageSet } from '../../../engine/dataset';
import type { ModelConfig } from '../../../engine/models/types';
import { loadBestBackend } from '../../../engine/backend';
import type { TensorSpec } from '../../../core/weights';

export interface ModelTask {
  model: string;
  inputShape: readonly [number, number, number];
  numClasses: number;
}

export interface TrainParams {
  epochs: number;
  lr: number;
  seed: number;
  proxMu?: number;
  /** Stop once training accuracy reaches this (local-only model: 0.99). */
  earlyStopAccuracy?: number;
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
  specs(task: ModelTask): readonly TensorSpec[];
  initialWeights(task: ModelTask, seed: number): Float32Array;
  train(task: ModelTask, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, onProgress?: (fraction: number) => void, isCancelled?: () => boolean): Promise<Float32Array>;
  trainLocalOnly(task: ModelTask, init: Float32Array, data: ImageSet, indices: Int32Array, p: { seed: number; maxEpochs: number }, isCancelled?: () => boolean): Promise<Float32Array>;
  predict(task: ModelTask, weights: Float32Array, data: ImageSet, indices: Int32Array, features: boolean): Promise<ModelOutputs>;
  evaluate(task: ModelTask, weights: Float32Array, data: ImageSet, indices: Int32Array): Promise<EvalResult>;
}

export class EngineTaskError extends Error {
  override readonly name = 'EngineTaskError';
}

function config(task: ModelTask): ModelConfig {
  const [height, width, channels] = task.inputShape;
  if (channels !== 1 && channels !== 3) throw new EngineTaskError(`model input must have 1 or 3 channels, got ${channels}`);
  return { name: task.model.toLowerCase(), height, width, channels, numClasses: task.numClasses };
}

export class InProcessEngine implements EngineAdapter {
  private readonly handles = new Map<string, ModelHandle>();
  private ready: Promise<unknown> | null = null;

  private async handle(task: ModelTask): Promise<ModelHandle> {
    this.ready ??= loadBestBackend();
    await this.ready;
    const key = JSON.stringify(config(task));
    let h = this.handles.get(key);
    if (!h) {
      h = openModel(config(task));
      this.handles.set(key, h);
    }
    return h;
  }

  specs(task: ModelTask): readonly TensorSpec[] {
    return initWeights(config(task), 0).specs;
  }

  initialWeights(task: ModelTask, seed: number): Float32Array {
    return initWeights(config(task), seed).data;
  }

  private weightSet(task: ModelTask, data: Float32Array) {
    const specs = this.specs(task);
    const expected = specs.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    if (data.length !== expected) throw new EngineTaskError(`model has ${expected} parameters, weights hold ${data.length}`);
    return { specs, data };
  }

  async train(task: ModelTask, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, onProgress?: (f: number) => void, isCancelled?: () => boolean): Promise<Float32Array> {
    const h = await this.handle(task);
    const r = await trainModel(
      h,
      this.weightSet(task, weights),
      data,
      indices,
      {
        epochs: p.epochs,
        lr: p.lr,
        seed: p.seed,
        hflip: true,
        ...(p.proxMu ? { proxMu: p.proxMu } : {}),
        ...(p.earlyStopAccuracy !== undefined ? { earlyStopAccuracy: p.earlyStopAccuracy } : {}),
      },
      {
        onProgress: (pr) => onProgress?.((pr.epoch + (pr.batch + 1) / pr.batches) / p.epochs),
        ...(isCancelled ? { isCancelled } : {}),
      },
    );
    return r.weights.data;
  }

  async trainLocalOnly(task: ModelTask, init: Float32Array, data: ImageSet, indices: Int32Array, p: { seed: number; maxEpochs: number }, isCancelled?: () => boolean): Promise<Float32Array> {
    const h = await this.handle(task);
    const r = await trainLocalOnly(h, this.weightSet(task, init), data, indices, { seed: p.seed, maxEpochs: p.maxEpochs }, isCancelled ? { isCancelled } : {});
    return r.weights.data;
  }

  async predict(task: ModelTask, weights: Float32Array, data: ImageSet, indices: Int32Array, features: boolean): Promise<ModelOutputs> {
    const h = await this.handle(task);
    const r = await predict(h, this.weightSet(task, weights), data, indices, { features });
    return { probs: r.probs, numClasses: r.numClasses, features: r.features, featureDim: r.featureDim };
  }

  async evaluate(task: ModelTask, weights: Float32Array, data: ImageSet, indices: Int32Array): Promise<EvalResult> {
    const h = await this.handle(task);
    const m = await evaluate(h, this.weightSet(task, weights), data, indices);
    return {
      accuracy: m.accuracy,
      balancedAccuracy: m.balancedAccuracy,
      perClassRecall: m.perClassRecall.map((v) => (Number.isFinite(v) ? v : null)),
      count: indices.length,
    };
  }
}
