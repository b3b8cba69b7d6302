// EngineAdapter on top of engine worker threads (src/engine/worker): tfjs, the backend choice
// and every training/inference job live in a worker, so the main process's event loop (IPC,
// the web host, the UI's events) keeps running while a model trains. The app uses one worker;
// a simulation shares one pool of `workers` among all its clinics (jobs go to the least busy).
// Images are copied once into shared memory per image set (the orchestrator hands the same
// buffer while the vault is unchanged); a new label vector re-registers the same shared
// images under a new id, which costs no copy.
import type { LocalOnlyTrainOptions } from '../../../core/protocol';
import { accuracy, balancedAccuracy, perClassRecall } from '../../../core/metrics';
import type { WeightSet } from '../../../core/weights';
import type { BackendName } from '../../../engine/backend';
import type { ImageSet } from '../../../engine/dataset';
import { initWeights } from '../../../engine/model';
import { nextClientControl } from '../../../engine/train/scaffold';
import type { TrainOptions, TrainResult } from '../../../engine/train/trainer';
import type { EngineWorker, JobHandle } from '../../../engine/worker/host';
import { EnginePool } from '../../../engine/worker/pool';
import type { BackendReport } from '../../../shared/api';
import {
  EngineTaskError,
  modelConfig,
  type EngineAdapter,
  type EvalResult,
  type LocalOnlyTrained,
  type ModelOutputs,
  type EngineModel,
  type ScaffoldControls,
  type ScaffoldTrained,
  type TrainParams,
} from './engine-adapter';

export interface WorkerEngineOptions {
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
  images: Uint8Array;
  datasetId: string;
  labels: Int32Array;
}


function sameLabels(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class WorkerEngine implements EngineAdapter {
  private readonly pool: Promise<EnginePool>;
  private readonly maxImageSets: number;
  private readonly sets = new Map<Uint8Array, Registered>();
  private readonly specCache = new Map<string, WeightSet['specs']>();
  private nextDataset = 1;
  private closed = false;
  private readonly cancelPollMs: number;

  /** Starts the worker now, so the backend is known before the first job. */
  constructor(opts: WorkerEngineOptions = {}) {
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
    const specs = this.specs(task);
    const expected = specs.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    if (data.length !== expected) throw new EngineTaskError(`model has ${expected} parameters, weights hold ${data.length}`);
    return { specs, data };
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
    const job = pool.train(modelConfig(task), ws, id, indices, options, (pr) => onProgress?.((pr.epoch + (pr.batch + 1) / pr.batches) / options.epochs));
    return this.run(job, isCancelled);
  }

  private federatedOptions(p: TrainParams): TrainOptions {
    return {
      epochs: p.epochs,
      lr: p.lr,
      seed: p.seed,
      hflip: p.recipe?.hflip ?? true,
      ...(p.recipe ? { momentum: p.recipe.momentum, weightDecay: p.recipe.weightDecay, batchSize: p.recipe.batchSize } : {}),
      ...(p.proxMu ? { proxMu: p.proxMu } : {}),
      ...(p.earlyStopAccuracy !== undefined ? { earlyStopAccuracy: p.earlyStopAccuracy } : {}),
    };
  }

  async train(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, onProgress?: (f: number) => void, isCancelled?: () => boolean): Promise<Float32Array> {
    return (await this.trainWith(task, weights, data, indices, this.federatedOptions(p), onProgress, isCancelled)).weights.data;
  }

  async trainScaffold(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array, p: TrainParams, controls: ScaffoldControls, onProgress?: (f: number) => void, isCancelled?: () => boolean): Promise<ScaffoldTrained> {
    const options: TrainOptions = { ...this.federatedOptions(p), scaffold: controls };
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

  /**
   * Metrics from the worker's predictions, computed here: the worker's 'evaluate' reply carries
   * NaN recall for a class absent from the set, which its zod protocol (z.number()) rejects.
   */
  async evaluate(task: EngineModel, weights: Float32Array, data: ImageSet, indices: Int32Array): Promise<EvalResult> {
    const out = await this.predict(task, weights, data, indices, false);
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
