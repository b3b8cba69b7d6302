/**
 * Promise-based host for one engine worker thread. Runs from TS sources (tests, CLI via tsx:
 * the worker gets `--import tsx`) or from a bundled .js entry (pass `entry`).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WeightSet } from '../../core/weights';
import type { BackendName, BackendReport } from '../backend';
import type { ClassificationMetrics } from '../infer/metrics';
import type { ModelConfig } from '../models/types';
import type { Pixels } from '../dataset';
import type { TrainOptions, TrainProgress, TrainResult } from '../train/trainer';
import { deserializeError, ResponseSchema, type EngineRequest, type EngineResult } from './protocol';

export interface EngineWorkerOptions {
  /** Worker entry (file path or URL). Default: ./entry.ts|.js next to this module. */
  entry?: string | URL;
  /** Backend preference inside the worker (default: tensorflow -> wasm -> cpu). */
  prefer?: BackendName[];
}

export class EngineWorkerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EngineWorkerError';
  }
}

/** A job ended by `cancel()`. */
export class EngineJobCancelledError extends EngineWorkerError {
  constructor(readonly jobId: number, options?: ErrorOptions) {
    super(`engine job ${jobId} was cancelled`, options);
    this.name = 'EngineJobCancelledError';
  }
}

export interface DatasetInput {
  images: Pixels;
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export interface JobHandle<T> {
  jobId: number;
  result: Promise<T>;
}

interface Pending {
  resolve(r: EngineResult): void;
  reject(e: Error): void;
  onProgress?: ((p: TrainProgress) => void) | undefined;
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;
type RequestBody = Distribute<EngineRequest>;

function defaultEntry(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./entry${ext}`, import.meta.url);
}

/**
 * A .js entry starts directly. A .ts entry (tests, tsx-run CLIs) needs tsx inside the worker:
 * Node 20 ignores `execArgv: ['--import', 'tsx']` for worker module hooks, so a tiny eval'd
 * bootstrap registers tsx's loader in the worker and then imports the entry.
 */
function spawn(entry: string | URL): Worker {
  const href = entry instanceof URL ? entry.href : pathToFileURL(entry).href;
  if (!href.endsWith('.ts')) return new Worker(entry instanceof URL ? entry : href.startsWith('file:') ? new URL(href) : entry);
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(href)}); });`;
  return new Worker(code, { eval: true });
}

function plainWeights(w: WeightSet) {
  return { specs: w.specs.map((s) => ({ name: s.name, shape: [...s.shape], trainable: s.trainable })), data: w.data };
}

export class EngineWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: Error | null = null;
  backend: BackendReport | null = null;
  /** Jobs sent and not finished (the pool balances on this). */
  get busy(): number {
    return this.pending.size;
  }

  private constructor(private readonly worker: Worker) {
    worker.on('message', (raw: unknown) => this.onMessage(raw));
    worker.on('error', (e) => this.failAll(new EngineWorkerError(`engine worker crashed: ${e.message}`, { cause: e })));
    worker.on('exit', (code) => this.failAll(new EngineWorkerError(`engine worker exited with code ${code}`)));
  }

  static async start(opts: EngineWorkerOptions = {}): Promise<EngineWorker> {
    const entry = opts.entry ?? defaultEntry();
    const w = new EngineWorker(spawn(entry));
    const r = await w.request({ type: 'init', ...(opts.prefer ? { prefer: opts.prefer } : {}) }).result;
    if (r.kind !== 'ready') throw new EngineWorkerError(`unexpected init reply '${r.kind}'`);
    w.backend = r.backend;
    return w;
  }

  private onMessage(raw: unknown): void {
    const parsed = ResponseSchema.safeParse(raw);
    if (!parsed.success) {
      this.failAll(new EngineWorkerError(`engine worker sent a malformed message: ${parsed.error.message}`));
      return;
    }
    const msg = parsed.data;
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') {
      p.onProgress?.({ epoch: msg.epoch, batch: msg.batch, batches: msg.batches, loss: msg.loss, step: msg.step, totalSteps: msg.totalSteps });
      return;
    }
    this.pending.delete(msg.id);
    if (msg.type === 'result') p.resolve(msg.result);
    else {
      const cause = deserializeError(msg.error);
      p.reject(
        cause.name === 'JobCancelledError'
          ? new EngineJobCancelledError(msg.id, { cause })
          : new EngineWorkerError(`engine job ${msg.id} failed: ${cause.name}: ${cause.message}`, { cause }),
      );
    }
  }

  private failAll(e: Error): void {
    this.exited = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private request(body: RequestBody, onProgress?: (p: TrainProgress) => void, transfer: ArrayBuffer[] = []): JobHandle<EngineResult> {
    const id = this.nextId++;
    const result = new Promise<EngineResult>((resolve, reject) => {
      if (this.exited) {
        reject(this.exited);
        return;
      }
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...body, id }, transfer);
    });
    return { jobId: id, result };
  }

  private static expect<K extends EngineResult['kind']>(h: JobHandle<EngineResult>, kind: K): JobHandle<Extract<EngineResult, { kind: K }>> {
    return {
      jobId: h.jobId,
      result: h.result.then((r) => {
        if (r.kind !== kind) throw new EngineWorkerError(`expected a '${kind}' reply, got '${r.kind}'`);
        return r as Extract<EngineResult, { kind: K }>;
      }),
    };
  }

  backboneInfo(file: string) {
    return EngineWorker.expect(this.request({ type: 'backboneInfo', file }), 'backboneInfo');
  }

  features(file: string, datasetId: string, indices: Int32Array, onProgress?: (p: TrainProgress) => void) {
    return EngineWorker.expect(this.request({ type: 'features', file, datasetId, indices }, onProgress), 'features');
  }

  /** Registers images once per worker; a SharedArrayBuffer-backed array is shared, not copied. */
  async registerDataset(datasetId: string, d: DatasetInput): Promise<void> {
    await EngineWorker.expect(this.request({ type: 'registerDataset', datasetId, ...d }), 'ok').result;
  }

  async dropDataset(datasetId: string): Promise<void> {
    await EngineWorker.expect(this.request({ type: 'dropDataset', datasetId }), 'ok').result;
  }

  train(
    model: ModelConfig,
    weights: WeightSet,
    datasetId: string,
    indices: Int32Array,
    options: TrainOptions,
    onProgress?: (p: TrainProgress) => void,
  ): JobHandle<TrainResult> {
    const h = EngineWorker.expect(this.request({ type: 'train', model, weights: plainWeights(weights), datasetId, indices, options }, onProgress), 'train');
    return { jobId: h.jobId, result: h.result.then(({ kind: _k, ...r }) => r) };
  }

  predict(model: ModelConfig, weights: WeightSet, datasetId: string, indices: Int32Array, o: { features?: boolean; batchSize?: number } = {}) {
    return EngineWorker.expect(
      this.request({ type: 'predict', model, weights: plainWeights(weights), datasetId, indices, features: o.features ?? false, ...(o.batchSize ? { batchSize: o.batchSize } : {}) }),
      'predict',
    );
  }

  embed(
    model: ModelConfig,
    featureWeights: WeightSet,
    datasetId: string,
    indices: Int32Array,
    o: { probsWeights?: WeightSet; labels?: Int32Array; batchSize?: number } = {},
  ) {
    return EngineWorker.expect(
      this.request({
        type: 'embed',
        model,
        featureWeights: plainWeights(featureWeights),
        datasetId,
        indices,
        ...(o.probsWeights ? { probsWeights: plainWeights(o.probsWeights) } : {}),
        ...(o.labels ? { labels: o.labels } : {}),
        ...(o.batchSize ? { batchSize: o.batchSize } : {}),
      }),
      'embed',
    );
  }

  evaluate(model: ModelConfig, weights: WeightSet, datasetId: string, indices: Int32Array): JobHandle<ClassificationMetrics> {
    const h = EngineWorker.expect(this.request({ type: 'evaluate', model, weights: plainWeights(weights), datasetId, indices }), 'evaluate');
    return { jobId: h.jobId, result: h.result.then((r) => r.metrics) };
  }

  async memory(): Promise<{ numTensors: number; numBytes: number }> {
    const { kind: _k, ...m } = await EngineWorker.expect(this.request({ type: 'memory' }), 'memory').result;
    return m;
  }

  /** Cancels a queued or running job; its promise rejects with EngineJobCancelledError. */
  async cancel(jobId: number): Promise<void> {
    await EngineWorker.expect(this.request({ type: 'cancel', jobId }), 'ok').result;
  }

  /** Sends a raw (possibly invalid) message: for protocol tests. */
  sendRaw(message: unknown): Promise<EngineResult> {
    const id = this.nextId++;
    return new Promise<EngineResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...(message as object), id });
    });
  }

  async close(): Promise<void> {
    this.exited ??= new EngineWorkerError('engine worker was closed');
    await this.worker.terminate();
  }
}
