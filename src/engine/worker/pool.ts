/**
 * Several engine workers (default: one per core) for running independent jobs in parallel,
 * e.g. the simulator's clients of one round. Datasets are copied once into shared memory and
 * registered in every worker; each job goes to the worker with the fewest unfinished jobs.
 */
import os from 'node:os';
import type { WeightSet } from '../../core/weights';
import type { ModelConfig } from '../models/types';
import type { TrainOptions, TrainProgress, TrainResult } from '../train/trainer';
import { EngineWorker, type DatasetInput, type EngineWorkerOptions, type JobHandle } from './host';
import type { Pixels } from '../dataset';

export interface EnginePoolOptions extends EngineWorkerOptions {
  size?: number;
}

function shared<T extends Uint8Array | Int32Array | Float32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const buf = new SharedArrayBuffer(a.byteLength);
  const out = new (a.constructor as new (b: SharedArrayBuffer) => T)(buf);
  out.set(a as never);
  return out;
}

export class EnginePool {
  private constructor(readonly workers: EngineWorker[]) {}

  static async start(opts: EnginePoolOptions = {}): Promise<EnginePool> {
    const size = Math.max(1, opts.size ?? os.availableParallelism());
    const workers = await Promise.all(Array.from({ length: size }, () => EngineWorker.start(opts)));
    return new EnginePool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  private pick(): EngineWorker {
    return this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  private readonly images = new Map<string, Pixels>();

  async registerDataset(datasetId: string, d: DatasetInput): Promise<void> {
    const s = { ...d, images: shared(d.images), labels: shared(d.labels) };
    this.images.set(datasetId, s.images);
    await Promise.all(this.workers.map((w) => w.registerDataset(datasetId, s)));
  }

  /** The shared-memory copy of a registered dataset's images (register it again without a copy). */
  registeredImages(datasetId: string): Pixels | undefined {
    return this.images.get(datasetId);
  }

  async dropDataset(datasetId: string): Promise<void> {
    this.images.delete(datasetId);
    await Promise.all(this.workers.map((w) => w.dropDataset(datasetId)));
  }

  /** Returns the worker that got the job so the caller can cancel it there. */
  train(model: ModelConfig, weights: WeightSet, datasetId: string, indices: Int32Array, options: TrainOptions, onProgress?: (p: TrainProgress) => void): JobHandle<TrainResult> & { worker: EngineWorker } {
    const worker = this.pick();
    return { ...worker.train(model, weights, datasetId, indices, options, onProgress), worker };
  }

  backboneInfo(...args: Parameters<EngineWorker['backboneInfo']>) {
    const worker = this.pick();
    return { ...worker.backboneInfo(...args), worker };
  }

  features(...args: Parameters<EngineWorker['features']>) {
    const worker = this.pick();
    return { ...worker.features(...args), worker };
  }

  predict(...args: Parameters<EngineWorker['predict']>) {
    const worker = this.pick();
    return { ...worker.predict(...args), worker };
  }

  embed(...args: Parameters<EngineWorker['embed']>) {
    const worker = this.pick();
    return { ...worker.embed(...args), worker };
  }

  evaluate(...args: Parameters<EngineWorker['evaluate']>) {
    const worker = this.pick();
    return { ...worker.evaluate(...args), worker };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
