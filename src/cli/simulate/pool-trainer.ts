/**
 * SimTrainer over the engine's worker pool: the clients of a round train in parallel, one
 * job per worker thread at a time (the pool hands each job to the least busy worker). The
 * train and test splits are registered once in every worker through shared memory.
 */
import { type WeightSet } from '../../core';
import { initWeights } from '../../engine/model';
import { type ModelConfig } from '../../engine/models/types';
import { EnginePool } from '../../engine/worker/pool';
import { type SimData } from './data';
import { engineTrainOptions } from './engine-trainer';
import { type InferOutcome, type SimTrainer, type SplitName, type TrainJob, type TrainOutcome, type TrainProgressTick } from './trainer';

export class PoolEngineTrainer implements SimTrainer {
  readonly supportsGradCorrection = true;
  private constructor(
    readonly description: string,
    private readonly pool: EnginePool,
    private readonly config: ModelConfig,
  ) {}

  static async create(data: SimData, config: ModelConfig, workers: number): Promise<PoolEngineTrainer> {
    const pool = await EnginePool.start({ size: workers, prefer: ['wasm', 'cpu'] });
    try {
      for (const [id, s] of [['train', data.train], ['test', data.test]] as const) {
        await pool.registerDataset(id, { images: s.images, labels: s.labels, count: s.count, height: s.height, width: s.width, channels: s.channels });
      }
    } catch (e) {
      await pool.close();
      throw e;
    }
    const b = pool.workers[0]?.backend;
    return new PoolEngineTrainer(`cnn4conv, tfjs ${b?.active ?? '?'}, ${pool.size} worker threads`, pool, config);
  }

  async initWeights(seed: number): Promise<WeightSet> {
    return initWeights(this.config, seed);
  }

  async train(job: TrainJob, onProgress?: (t: TrainProgressTick) => void): Promise<TrainOutcome> {
    const res = await this.pool.train(
      this.config,
      job.init,
      'train',
      job.indices,
      engineTrainOptions(job),
      (p) => {
        if (p.batch === p.batches - 1) onProgress?.({ client: job.client, images: job.indices.length });
      },
    ).result;
    const last = res.history[res.history.length - 1];
    return { weights: res.weights, steps: res.steps, lrSum: res.lrSum, epochsRun: res.history.length, finalTrainAccuracy: last?.accuracy ?? 0, imagePasses: res.history.length * job.indices.length };
  }

  async infer(weights: WeightSet, split: SplitName, indices: Int32Array): Promise<InferOutcome> {
    const p = await this.pool.predict(this.config, weights, split, indices, { features: true }).result;
    return { probs: p.probs, features: p.features, featureDim: p.featureDim };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
