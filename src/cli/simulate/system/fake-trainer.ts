/**
 * A cheap deterministic stand-in for the engine, for tests of the simulation's bookkeeping
 * through the real server and client nodes: "training" nudges the first C weights toward the
 * labeled class mix (the vector keeps its length, so the server's checks still apply);
 * outputs mix those biases with a per-image signal hashed from its pixels, so every strategy
 * sees varied, valid probabilities and features.
 */
import { getModel } from '../../../engine/models/registry';
import type { ImageSet } from '../../../engine/dataset';
import type { LocalOnlyTrainOptions } from '../../../core/protocol';
import {
  modelConfig,
  type Trainer,
  type EngineModel,
  type EvalResult,
  type LocalOnlyTrained,
  type ModelOutputs,
  type ScaffoldControls,
  type ScaffoldTrained,
  type TrainParams,
} from '../../../engine/trainer';
import type { BackendReport } from '../../../shared/api';

function hash01(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

/** A number naming an image by its pixels (the pool order differs per clinic). */
function imageKey(data: ImageSet, i: number): number {
  const per = data.height * data.width * data.channels;
  let h = 0x811c9dc5;
  for (let j = i * per; j < (i + 1) * per; j += 7) h = Math.imul(h ^ (data.images[j] as number), 0x01000193);
  return h >>> 0;
}

export class FakeTrainer implements Trainer {
  trainCalls = 0;
  /** Throw on this train() call (a simulated crash). */
  failOnTrainCall: number | null = null;

  specs(task: EngineModel) {
    return getModel(task.model.toLowerCase()).init(modelConfig(task), 0).specs;
  }

  async backboneInfo(): Promise<never> {
    throw new Error('the simulator fake trainer has no backbones');
  }

  async extractFeatures(): Promise<never> {
    throw new Error('the simulator fake trainer has no backbones');
  }

  initialWeights(task: EngineModel, seed: number): Float32Array {
    return getModel(task.model.toLowerCase()).init(modelConfig(task), seed).data;
  }

  private fit(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, seed: number): Float32Array {
    this.trainCalls++;
    if (this.failOnTrainCall === this.trainCalls) throw new Error('simulated interruption');
    const C = task.numClasses;
    const counts = new Float64Array(C);
    for (const i of indices) counts[data.labels[i] as number]++;
    const w = Float32Array.from(weights);
    for (let c = 0; c < C; c++) w[c] = 0.5 * (w[c] as number) + 0.1 * Math.log1p(counts[c] as number) + 0.01 * (hash01(seed, c) - 0.5);
    return w;
  }

  async train(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, onProgress?: (f: number) => void): Promise<Float32Array> {
    await new Promise<void>((r) => setImmediate(r));
    const w = this.fit(task, weights, data, indices, p.seed);
    onProgress?.(1);
    return w;
  }

  async trainScaffold(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, controls: ScaffoldControls): Promise<ScaffoldTrained> {
    const w = await this.train(task, weights, data, indices, p);
    const control = Float32Array.from(controls.client, (v, i) => v + 0.001 * ((weights[i] as number) - (w[i] as number)));
    return { weights: w, control, controlDelta: Float32Array.from(control, (v, i) => v - (controls.client[i] as number)) };
  }

  async trainLocalOnly(task: EngineModel, init: Float32Array, data: ImageSet, indices: Int32Array, options: LocalOnlyTrainOptions): Promise<LocalOnlyTrained> {
    await new Promise<void>((r) => setImmediate(r));
    return { weights: this.fit(task, init, data, indices, options.seed), epochsRun: Math.min(3, options.epochs), trainAccuracy: 0.99 };
  }

  async predict(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array): Promise<ModelOutputs> {
    await new Promise<void>((r) => setImmediate(r));
    const C = task.numClasses;
    const D = 8;
    const salt = Math.round((weights[0] as number) * 1e6);
    const probs = new Float32Array(indices.length * C);
    const features = new Float32Array(indices.length * D);
    indices.forEach((i, r) => {
      const key = imageKey(data, i);
      const guess = key % C;
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = Math.exp((weights[c] as number) + (c === guess ? 1.5 : 0) + hash01(key + c, salt));
        probs[r * C + c] = e;
        sum += e;
      }
      for (let c = 0; c < C; c++) probs[r * C + c] = (probs[r * C + c] as number) / sum;
      for (let d = 0; d < D; d++) features[r * D + d] = (d % C === guess ? 1 : 0) + hash01(key, 100 + d) - 0.5;
    });
    return { probs, numClasses: C, features, featureDim: D };
  }

  async evaluate(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array): Promise<EvalResult> {
    const out = await this.predict(task, weights, data, indices);
    const C = task.numClasses;
    let ok = 0;
    indices.forEach((i, r) => {
      let best = 0;
      for (let c = 1; c < C; c++) if ((out.probs[r * C + c] as number) > (out.probs[r * C + best] as number)) best = c;
      if (best === data.labels[i]) ok++;
    });
    return { accuracy: ok / Math.max(1, indices.length), balancedAccuracy: ok / Math.max(1, indices.length), perClassRecall: Array.from({ length: C }, () => null), count: indices.length };
  }

  async backend(): Promise<BackendReport> {
    return { active: 'fake (tests)', attempts: [], threads: 0 };
  }

  async close(): Promise<void> {}
}
