/**
 * SimTrainer over the real engine, in this thread (CNN4Conv on the best tfjs backend).
 * Jobs are queued one at a time: tfjs state is per thread, so concurrency needs workers
 * (see the pool adapter); this one is the reference and the fallback.
 */
import { type WeightSet } from '../../core';
import { loadBestBackend, type BackendName } from '../../engine/backend';
import { type ImageSet } from '../../engine/dataset';
import { predict } from '../../engine/infer/inference';
import { initWeights, openModel, type ModelHandle } from '../../engine/model';
import { type ModelConfig } from '../../engine/models/types';
import { trainModel, type TrainOptions } from '../../engine/train/trainer';
import { type SimData } from './data';
import { type InferOutcome, type SimTrainer, type SplitName, type TrainJob, type TrainOutcome, type TrainProgressTick } from './trainer';

export function modelConfigFor(data: SimData, inputScaling: ModelConfig['inputScaling'] = 'unit'): ModelConfig {
  return { name: 'cnn4conv', height: data.train.height, width: data.train.width, channels: data.train.channels, numClasses: data.numClasses, inputScaling };
}

export function imageSet(split: SimData['train']): ImageSet {
  return { images: split.images, labels: split.labels, count: split.count, height: split.height, width: split.width, channels: split.channels };
}

/** Runs async jobs one after another. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** The engine's training options for one simulated client job (same for in-process and pool). */
export function engineTrainOptions(job: TrainJob): TrainOptions {
  return {
    epochs: job.epochs,
    lr: job.lr,
    batchSize: job.batchSize,
    momentum: job.momentum,
    weightDecay: job.weightDecay,
    hflip: job.hflip,
    seed: job.seed,
    ...(job.proxMu ? { proxMu: job.proxMu } : {}),
    ...(job.control ? { scaffold: job.control } : {}),
    ...(job.schedule ? { schedule: job.schedule } : {}),
    ...(job.earlyStopAccuracy !== undefined ? { earlyStopAccuracy: job.earlyStopAccuracy } : {}),
    ...(job.earlyStopOn ? { earlyStopOn: job.earlyStopOn } : {}),
  };
}

export async function trainJobOn(model: ModelHandle, data: ImageSet, job: TrainJob, onProgress?: (t: TrainProgressTick) => void): Promise<TrainOutcome> {
  let lastEpochImages = 0;
  const res = await trainModel(
    model,
    job.init,
    data,
    job.indices,
    engineTrainOptions(job),
    {
      onProgress: (p) => {
        if (p.batch === p.batches - 1) {
          lastEpochImages = job.indices.length;
          onProgress?.({ client: job.client, images: lastEpochImages });
        }
      },
    },
  );
  const last = res.history[res.history.length - 1];
  return {
    weights: res.weights,
    steps: res.steps,
    lrSum: res.lrSum,
    epochsRun: res.history.length,
    finalTrainAccuracy: last?.accuracy ?? 0,
    imagePasses: res.history.length * job.indices.length,
  };
}

export async function inferOn(model: ModelHandle, data: ImageSet, weights: WeightSet, indices: Int32Array): Promise<InferOutcome> {
  const p = await predict(model, weights, data, indices, { features: true });
  return { probs: p.probs, features: p.features, featureDim: p.featureDim };
}

export class InProcessEngineTrainer implements SimTrainer {
  readonly supportsGradCorrection = true;
  private readonly queue = new SerialQueue();
  private constructor(
    readonly description: string,
    private readonly model: ModelHandle,
    private readonly config: ModelConfig,
    private readonly train_: ImageSet,
    private readonly test_: ImageSet,
  ) {}

  static async create(data: SimData, config: ModelConfig = modelConfigFor(data), prefer: BackendName[] = ['wasm', 'cpu']): Promise<InProcessEngineTrainer> {
    const backend = await loadBestBackend({ prefer });
    const model = openModel(config);
    return new InProcessEngineTrainer(`cnn4conv, tfjs ${backend.active} (${model.net.kind} net, ${backend.kernels ?? 'stock kernels'}), 1 thread in-process`, model, config, imageSet(data.train), imageSet(data.test));
  }

  async initWeights(seed: number): Promise<WeightSet> {
    return initWeights(this.config, seed);
  }

  train(job: TrainJob, onProgress?: (t: TrainProgressTick) => void): Promise<TrainOutcome> {
    return this.queue.run(() => trainJobOn(this.model, this.train_, job, onProgress));
  }

  infer(weights: WeightSet, split: SplitName, indices: Int32Array): Promise<InferOutcome> {
    return this.queue.run(() => inferOn(this.model, split === 'train' ? this.train_ : this.test_, weights, indices));
  }

  async close(): Promise<void> {}
}
