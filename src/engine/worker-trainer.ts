// Trainer on top of engine worker threads (src/engine/worker): tfjs, the backend choice
// and every training/inference job live in a worker, so the main process's event loop (IPC,
// the web host, the UI's events) keeps running while a model trains. The app uses one worker;
// a simulation shares one pool of `workers` among all its clinics (jobs go to the least busy).
// Images are copied once into shared memory per image set (the orchestrator hands the same
// buffer while the vault is unchanged); a new label vector re-registers the same shared
// images under a new id, which costs no copy.
import type { LocalOnlyTrainOptions } from '../core/protocol';
import type { WeightSet } from '../core/weights';
import type { BackendName } from './backend';
import type { ImageSet, Pixels } from './dataset';
import type { BackboneInfo } from './backbone/types';
import { initWeights } from './model';
import { nextClientControl } from './train/scaffold';
import type { TrainOptions, TrainResult } from './train/trainer';
import type { EngineWorker, JobHandle } from './worker/host';
import { EnginePool } from './worker/pool';
import type { BackendReport } from '../shared/api';
import {
  checkedWeightSet,
  EngineTaskError,
  evaluationOf,
  modelConfig,
  roundTrainOptions,
  type Trainer,
  type EvalResult,
  type LocalOnlyTrained,
  type ModelOutputs,
  type EngineModel,
  type ScaffoldControls,
  type ScaffoldTrained,
  type TrainParams,
} from './trainer';

export interface WorkerTrainerOptions {
  /** The worker entry: omit when running from TS sources; the bundled app passes out/main/engine-worker.js. */
  entry?: string | URL;
  prefer?: BackendName[];
  /** How often a running job polls the orchestrator's cancel flag (ms). */
  cancelPollMs?: number;
  /** Worker threads (default 1: the app; a simulation shares a pool among its clinics). */
  workers?: number;
  /** Image sets kept registered at once (default 2: the pool and a held-out set; a simulation: one per clinic). */
  maxImageSets?: number;
}

interface Registered {
  images: Pixels;
  datasetId: string;
  labels: Int32Array;
}


function sameLabels(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class WorkerTrainer implements Trainer {
  private readonly pool: Promise<EnginePool>;
  private readonly maxImageSets: number;
  private readonly sets = new Map<Pixels, Registered>();
  private readonly specCache = new Map<string, WeightSet['specs']>();
  private nextDataset = 1;
  private closed = false;
  private readonly cancelPollMs: number;

  /** Starts the worker now, so the backend is known before the first job. */
  constructor(opts: WorkerTrainerOptions = {}) {
    this.cancelPollMs = opts.cancelPollMs ?? 100;
    this.maxImageSets = opts.maxImageSets ?? 2;
    this.pool = EnginePool.start({ size: opts.workers ?? 1, ...(opts.entry ? { entry: opts.entry } : {}), ...(opts.prefer ? { prefer: opts.prefer } : {}) });
    // A failed start surfaces through backend() and every job; never as an unhandled rejection.
    this.pool.catch(() => {});
  }

  async backend(): Promise<BackendReport> {
    const backend = (await this.pool).workers[0]?.backend;
    if (!backend) throw new EngineTaskError('the engine worker reported no backend');
    return backend;
  }

  specs(task: EngineModel): WeightSet['specs'] {
    const cfg = modelConfig(task);
    const key = JSON.stringify(cfg);
    let s = this.specCache.get(key);
    if (!s) {
      s = initWeights(cfg, 0).specs;
      this.specCache.set(key, s);
    }
    return s;
  }

  initialWeights(task: EngineModel, seed: number): Float32Array {
    return initWeights(modelConfig(task), seed).data;
  }

  private weightSet(task: EngineModel, data: Float32Array): WeightSet {
    return checkedWeightSet(this.specs(task), data);
  }

  /** Registers the image set (once, in every worker) and these labels (when they changed); returns the dataset id. */
  private async dataset(pool: EnginePool, data: ImageSet): Promise<string> {
    const known = this.sets.get(data.images);
    if (known && sameLabels(known.labels, data.labels)) return known.datasetId;
    const datasetId = `ds${this.nextDataset++}`;
    const labels = Int32Array.from(data.labels);
    // The pool copies the images into shared memory once; a relabel reuses that copy.
    const images = known?.images ?? data.images;
    await pool.registerDataset(datasetId, { images, labels, count: data.count, height: data.height, width: data.width, channels: data.channels });
    const registered = pool.registeredImages(datasetId) ?? images;
    if (known) await pool.dropDataset(known.datasetId);
    this.sets.delete(data.images);
    this.sets.set(data.images, { images: registered, datasetId, labels });
    while (this.sets.size > this.maxImageSets) {
      const [oldest, reg] = this.sets.entries().next().value as [Uint8Array, Registered];
      this.sets.delete(oldest);
      await pool.dropDataset(reg.datasetId);
    }
    return datasetId;
  }

  /** Waits for a job, cancelling it in the worker as soon as the orchestrator's flag is set. */
  private async run<T>(job: JobHandle<T> & { worker: EngineWorker }, isCancelled?: () => boolean): Promise<T> {
    if (!isCancelled) return job.result;
    let sent = false;
    const check = () => {
      if (!sent && isCancelled()) {
        sent = true;
        void job.worker.cancel(job.jobId).catch(() => {});
      }
    };
    const timer = setInterval(check, this.cancelPollMs);
    try {
      check();
      return await job.result;
    } finally {
      clearInterval(timer);
    }
  }

  private async trainWith(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, options: TrainOptions, onProgress?: (f: number) => void, isCancelled?: () => boolean): Promise<TrainResult> {
    const pool = await this.ready();
    const ws = this.weightSet(task, weights);
    const id = await this.dataset(pool, data);
    const job = pool.train(modelConfig(task), ws, id, indices, options, (pr) => onProgress?.(pr.totalSteps > 0 ? pr.step / pr.totalSteps : 1));
    return this.run(job, isCancelled);
  }

  async train(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, onProgress?: (f: number) => void, isCancelled?: () => boolean): Promise<Float32Array> {
    return (await this.trainWith(task, weights, data, indices, roundTrainOptions(p), onProgress, isCancelled)).weights.data;
  }

  async trainScaffold(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, controls: ScaffoldControls, onProgress?: (f: number) => void, isCancelled?: () => boolean): Promise<ScaffoldTrained> {
    const options: TrainOptions = { ...roundTrainOptions(p), scaffold: controls };
    const r = await this.trainWith(task, weights, data, indices, options, onProgress, isCancelled);
    const next = nextClientControl(this.specs(task), weights, r.weights.data, controls.server, controls.client, r.lrSum);
    return { weights: r.weights.data, control: next.control, controlDelta: next.delta };
  }

  async trainLocalOnly(task: EngineModel, init: Float32Array, data: ImageSet, indices: Int32Array, options: LocalOnlyTrainOptions, isCancelled?: () => boolean): Promise<LocalOnlyTrained> {
    const r = await this.trainWith(task, init, data, indices, options, undefined, isCancelled);
    return { weights: r.weights.data, epochsRun: r.history.length, trainAccuracy: r.history[r.history.length - 1]?.accuracy ?? 0 };
  }

  async predict(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, features: boolean): Promise<ModelOutputs> {
    const pool = await this.ready();
    const ws = this.weightSet(task, weights);
    const id = await this.dataset(pool, data);
    const r = await pool.predict(modelConfig(task), ws, id, indices, { features }).result;
    return { probs: r.probs, numClasses: r.numClasses, features: r.features, featureDim: r.featureDim };
  }

  async backboneInfo(file: string): Promise<BackboneInfo> {
    const pool = await this.ready();
    return (await pool.backboneInfo(file).result).info;
  }

  async extractFeatures(file: string, data: ImageSet, indices: Int32Array, onProgress?: (fraction: number) => void, isCancelled?: () => boolean): Promise<Float32Array> {
    const pool = await this.ready();
    const id = await this.dataset(pool, data);
    const job = pool.features(file, id, indices, (p) => onProgress?.(p.step / Math.max(1, p.totalSteps)));
    return (await this.run(job, isCancelled)).features;
  }

  async evaluate(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array): Promise<EvalResult> {
    return evaluationOf(await this.predict(task, weights, data, indices, false), data, indices);
  }

  private async ready(): Promise<EnginePool> {
    if (this.closed) throw new EngineTaskError('the engine was closed');
    return this.pool;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sets.clear();
    const pool = await this.pool.catch(() => null);
    await pool?.close();
  }
}
