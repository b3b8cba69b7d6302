// The Trainer in the calling thread: the same jobs as worker-trainer.ts (same options, same
// metrics), one at a time (tfjs state is per thread), without a worker's start-up and message
// copies. For benchmarks and tools that own their thread; the app and the simulator use the
// worker pool so their own thread stays free.
import type { LocalOnlyTrainOptions } from '../core/protocol';
import type { WeightSet } from '../core/weights';
import { loadBestBackend, type BackendName } from './backend';
import type { ImageSet } from './dataset';
import { predict } from './infer/inference';
import { extractFeatures } from './backbone/extract';
import { loadBackbone } from './backbone/load';
import type { Backbone, BackboneInfo } from './backbone/types';
import { initWeights, openModel, type ModelHandle } from './model';
import { nextClientControl } from './train/scaffold';
import { trainModel, type TrainOptions, type TrainResult } from './train/trainer';
import type { BackendReport } from '../shared/api';
import {
  checkedWeightSet,
  evaluationOf,
  modelConfig,
  roundTrainOptions,
  type EngineModel,
  type EvalResult,
  type LocalOnlyTrained,
  type ModelOutputs,
  type ScaffoldControls,
  type ScaffoldTrained,
  type Trainer,
  type TrainParams,
} from './trainer';

export class InProcessTrainer implements Trainer {
  private readonly models = new Map<string, ModelHandle>();
  private tail: Promise<unknown> = Promise.resolve();
  private readonly ready: Promise<BackendReport>;

  constructor(prefer: BackendName[] = ['wasm', 'cpu']) {
    this.ready = loadBestBackend({ prefer });
    this.ready.catch(() => {});
  }

  /** Jobs run one after another: tfjs state belongs to this thread. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(async () => {
      await this.ready;
      return fn();
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  private model(task: EngineModel): ModelHandle {
    const cfg = modelConfig(task);
    const key = JSON.stringify(cfg);
    let m = this.models.get(key);
    if (!m) {
      m = openModel(cfg);
      this.models.set(key, m);
    }
    return m;
  }

  async backend(): Promise<BackendReport> {
    return this.ready;
  }

  specs(task: EngineModel): WeightSet['specs'] {
    return initWeights(modelConfig(task), 0).specs;
  }

  initialWeights(task: EngineModel, seed: number): Float32Array {
    return initWeights(modelConfig(task), seed).data;
  }

  private run(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, options: TrainOptions, onProgress?: (f: number) => void, isCancelled?: () => boolean): Promise<TrainResult> {
    return this.serial(() =>
      trainModel(this.model(task), checkedWeightSet(this.specs(task), weights), data, indices, options, {
        onProgress: (p) => onProgress?.(p.totalSteps > 0 ? p.step / p.totalSteps : 1),
        ...(isCancelled ? { isCancelled } : {}),
      }),
    );
  }

  async train(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, onProgress?: (f: number) => void, isCancelled?: () => boolean): Promise<Float32Array> {
    return (await this.run(task, weights, data, indices, roundTrainOptions(p), onProgress, isCancelled)).weights.data;
  }

  async trainScaffold(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, controls: ScaffoldControls, onProgress?: (f: number) => void, isCancelled?: () => boolean): Promise<ScaffoldTrained> {
    const r = await this.run(task, weights, data, indices, { ...roundTrainOptions(p), scaffold: controls }, onProgress, isCancelled);
    const next = nextClientControl(this.specs(task), weights, r.weights.data, controls.server, controls.client, r.lrSum);
    return { weights: r.weights.data, control: next.control, controlDelta: next.delta };
  }

  async trainLocalOnly(task: EngineModel, init: Float32Array, data: ImageSet, indices: Int32Array, options: LocalOnlyTrainOptions, isCancelled?: () => boolean): Promise<LocalOnlyTrained> {
    const r = await this.run(task, init, data, indices, options, undefined, isCancelled);
    return { weights: r.weights.data, epochsRun: r.history.length, trainAccuracy: r.history[r.history.length - 1]?.accuracy ?? 0 };
  }

  predict(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, features: boolean): Promise<ModelOutputs> {
    return this.serial(async () => {
      const r = await predict(this.model(task), checkedWeightSet(this.specs(task), weights), data, indices, { features });
      return { probs: r.probs, numClasses: r.numClasses, features: r.features, featureDim: r.featureDim };
    });
  }

  async evaluate(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array): Promise<EvalResult> {
    return evaluationOf(await this.predict(task, weights, data, indices, false), data, indices);
  }

  private readonly backbones = new Map<string, Promise<Backbone>>();

  private backbone(file: string): Promise<Backbone> {
    let b = this.backbones.get(file);
    if (!b) {
      b = loadBackbone(file);
      this.backbones.set(file, b);
      b.catch(() => this.backbones.delete(file));
    }
    return b;
  }

  backboneInfo(file: string): Promise<BackboneInfo> {
    return this.serial(async () => (await this.backbone(file)).info);
  }

  extractFeatures(file: string, data: ImageSet, indices: Int32Array, onProgress?: (f: number) => void, isCancelled?: () => boolean): Promise<Float32Array> {
    return this.serial(async () =>
      extractFeatures(await this.backbone(file), data, indices, {
        onProgress: (done, total) => onProgress?.(done / total),
        ...(isCancelled ? { isCancelled } : {}),
      }),
    );
  }

  async close(): Promise<void> {
    await this.tail;
    for (const b of this.backbones.values()) await (await b.catch(() => null))?.close();
    this.backbones.clear();
  }
}
