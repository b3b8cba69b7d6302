/**
 * Worker-thread entry: owns tfjs and the backend, runs one job at a time from a queue, streams
 * progress, answers cancel immediately (the training loop yields after every batch).
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import { createWeightSet, type WeightSet } from '../../core/weights';
import { loadBestBackend } from '../backend';
import type { ImageSet } from '../dataset';
import { embed, evaluate, predict } from '../infer/inference';
import { openModel, type ModelHandle } from '../model';
import type { ModelConfig } from '../models/types';
import { trainModel } from '../train/trainer';
import { extractFeatures } from '../backbone/extract';
import { loadBackbone } from '../backbone/load';
import type { Backbone } from '../backbone/types';
import { RequestSchema, serializeError, type EngineRequest, type EngineResponse, type EngineResult } from './protocol';

const port = parentPort;
if (!port) throw new Error('engine worker entry must run inside a worker thread');

const datasets = new Map<string, ImageSet>();
const models = new Map<string, ModelHandle>();
const queue: EngineRequest[] = [];
const cancelled = new Set<number>();
let running = false;

export class UnknownDatasetError extends Error {
  constructor(id: string) {
    super(`dataset '${id}' is not registered in this worker`);
    this.name = 'UnknownDatasetError';
  }
}

export class JobCancelledError extends Error {
  constructor(id: number, options?: ErrorOptions) {
    super(`job ${id} was cancelled`, options);
    this.name = 'JobCancelledError';
  }
}

function send(msg: EngineResponse, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(msg, transfer);
}

function model(cfg: ModelConfig): ModelHandle {
  const key = JSON.stringify(cfg);
  let m = models.get(key);
  if (!m) {
    m = openModel(cfg);
    models.set(key, m);
  }
  return m;
}

function dataset(id: string): ImageSet {
  const d = datasets.get(id);
  if (!d) throw new UnknownDatasetError(id);
  return d;
}

/** Opened backbones by file (installed backbones live in folders named by their sha256: immutable). */
const backbones = new Map<string, Promise<Backbone>>();
function backbone(file: string): Promise<Backbone> {
  let b = backbones.get(file);
  if (!b) {
    b = loadBackbone(file);
    backbones.set(file, b);
    b.catch(() => backbones.delete(file));
  }
  return b;
}

const ws = (w: { specs: WeightSet['specs']; data: Float32Array }): WeightSet => createWeightSet(w.specs, w.data);

async function run(req: EngineRequest): Promise<{ result: EngineResult; transfer: ArrayBuffer[] }> {
  const isCancelled = () => cancelled.has(req.id);
  switch (req.type) {
    case 'init': {
      const backend = await loadBestBackend(req.prefer ? { prefer: req.prefer } : {});
      return { result: { kind: 'ready', backend }, transfer: [] };
    }
    case 'train': {
      const r = await trainModel(model(req.model), ws(req.weights), dataset(req.datasetId), req.indices, req.options, {
        isCancelled,
        onProgress: (p) => send({ type: 'progress', id: req.id, ...p }),
      });
      const data = r.weights.data;
      return {
        result: { kind: 'train', weights: { specs: [...r.weights.specs].map((s) => ({ ...s, shape: [...s.shape] })), data }, history: r.history, stoppedEarly: r.stoppedEarly, steps: r.steps, lrSum: r.lrSum, scheduleUnit: r.scheduleUnit, ...(r.best ? { best: r.best } : {}) },
        transfer: [data.buffer as ArrayBuffer],
      };
    }
    case 'backboneInfo':
      return { result: { kind: 'backboneInfo', info: (await backbone(req.file)).info }, transfer: [] };
    case 'features': {
      const b = await backbone(req.file);
      const features = await extractFeatures(b, dataset(req.datasetId), req.indices, {
        isCancelled,
        onProgress: (done, total) => send({ type: 'progress', id: req.id, epoch: 0, batch: done, batches: total, loss: 0, step: done, totalSteps: total }),
      });
      return { result: { kind: 'features', features, featureDim: b.info.featureDim }, transfer: [features.buffer as ArrayBuffer] };
    }
    case 'predict': {
      const p = await predict(model(req.model), ws(req.weights), dataset(req.datasetId), req.indices, {
        features: req.features,
        isCancelled,
        ...(req.batchSize ? { batchSize: req.batchSize } : {}),
      });
      return { result: { kind: 'predict', ...p }, transfer: [p.probs.buffer as ArrayBuffer, p.features.buffer as ArrayBuffer] };
    }
    case 'embed': {
      const e = await embed(model(req.model), ws(req.featureWeights), dataset(req.datasetId), req.indices, {
        isCancelled,
        ...(req.probsWeights ? { probsWeights: ws(req.probsWeights) } : {}),
        ...(req.labels ? { labels: req.labels } : {}),
        ...(req.batchSize ? { batchSize: req.batchSize } : {}),
      });
      const transfer = [e.embeddings.buffer, e.features.buffer, e.probs.buffer] as ArrayBuffer[];
      return { result: { kind: 'embed', ...e }, transfer: [...new Set(transfer)] };
    }
    case 'evaluate': {
      const metrics = await evaluate(model(req.model), ws(req.weights), dataset(req.datasetId), req.indices, {
        isCancelled,
        ...(req.batchSize ? { batchSize: req.batchSize } : {}),
      });
      return { result: { kind: 'evaluate', metrics }, transfer: [] };
    }
    default:
      throw new Error(`request type '${req.type}' cannot be queued`);
  }
}

async function pump(): Promise<void> {
  if (running) return;
  running = true;
  while (queue.length > 0) {
    const req = queue.shift() as EngineRequest;
    try {
      if (cancelled.has(req.id)) throw new JobCancelledError(req.id);
      const { result, transfer } = await run(req);
      send({ type: 'result', id: req.id, result }, transfer);
    } catch (e) {
      const err = cancelled.has(req.id) ? new JobCancelledError(req.id, { cause: e }) : e;
      send({ type: 'error', id: req.id, error: serializeError(err) });
    } finally {
      cancelled.delete(req.id);
    }
  }
  running = false;
}

port.on('message', (raw: unknown) => {
  const parsed = RequestSchema.safeParse(raw);
  if (!parsed.success) {
    const rid = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : -1;
    const err = new Error(`malformed engine request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    err.name = 'EngineProtocolError';
    send({ type: 'error', id: Math.max(rid, 0), error: serializeError(err) });
    return;
  }
  const req = parsed.data;
  switch (req.type) {
    case 'cancel':
      cancelled.add(req.jobId);
      send({ type: 'result', id: req.id, result: { kind: 'ok' } });
      return;
    case 'registerDataset': {
      const per = req.height * req.width * req.channels;
      if (req.images.length !== req.count * per || req.labels.length !== req.count) {
        const err = new Error(`dataset '${req.datasetId}': ${req.images.length} bytes and ${req.labels.length} labels do not match ${req.count} images of ${req.height}x${req.width}x${req.channels}`);
        err.name = 'DatasetError';
        send({ type: 'error', id: req.id, error: serializeError(err) });
        return;
      }
      datasets.set(req.datasetId, { images: req.images, labels: req.labels, count: req.count, height: req.height, width: req.width, channels: req.channels });
      send({ type: 'result', id: req.id, result: { kind: 'ok' } });
      return;
    }
    case 'dropDataset':
      datasets.delete(req.datasetId);
      send({ type: 'result', id: req.id, result: { kind: 'ok' } });
      return;
    case 'memory': {
      const m = tf.memory();
      send({ type: 'result', id: req.id, result: { kind: 'memory', numTensors: m.numTensors, numBytes: m.numBytes } });
      return;
    }
    default:
      queue.push(req);
      void pump();
  }
});
