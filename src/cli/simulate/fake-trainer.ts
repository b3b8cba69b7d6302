/**
 * A cheap deterministic stand-in for the engine (tests of the protocol's bookkeeping):
 * the "model" is a per-class bias nudged toward the labeled class mix; outputs mix that
 * bias with a hashed per-sample signal so strategies see varied, valid probabilities.
 */
import { createWeightSet, type WeightSet } from '../../core';
import { type SimData } from './data';
import { type InferOutcome, type SimTrainer, type SplitName, type TrainJob, type TrainOutcome, type TrainProgressTick } from './trainer';

function hash01(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

export interface FakeTrainerOptions {
  featureDim?: number;
  /** Throw on this call number of train() (simulates an interruption). */
  failOnTrainCall?: number;
}

export class FakeTrainer implements SimTrainer {
  readonly description = 'fake trainer (tests)';
  readonly supportsGradCorrection = true;
  /** Every job seen, for tests of what the protocol asks for. */
  readonly jobs: TrainJob[] = [];
  trainCalls = 0;
  private readonly D: number;
  constructor(
    private readonly data: SimData,
    private readonly opts: FakeTrainerOptions = {},
  ) {
    this.D = opts.featureDim ?? 8;
  }

  async initWeights(seed: number): Promise<WeightSet> {
    const C = this.data.numClasses;
    const w = createWeightSet([{ name: 'bias', shape: [C], trainable: true }]);
    for (let c = 0; c < C; c++) w.data[c] = hash01(seed, c) - 0.5;
    return w;
  }

  async train(job: TrainJob, onProgress?: (t: TrainProgressTick) => void): Promise<TrainOutcome> {
    this.trainCalls++;
    this.jobs.push(job);
    if (this.opts.failOnTrainCall === this.trainCalls) throw new Error('simulated interruption');
    await new Promise<void>((r) => setImmediate(r));
    const C = this.data.numClasses;
    const counts = new Float64Array(C);
    for (const i of job.indices) counts[this.data.train.labels[i] as number]++;
    const w = createWeightSet(job.init.specs, Float32Array.from(job.init.data));
    const epochs = job.earlyStopAccuracy !== undefined ? Math.min(job.epochs, 3) : job.epochs;
    const steps = epochs * Math.ceil(job.indices.length / job.batchSize);
    for (let c = 0; c < C; c++) {
      w.data[c] = 0.5 * (w.data[c] as number) + 0.1 * Math.log1p(counts[c] as number) + 0.01 * (hash01(job.seed, c) - 0.5);
      // SCAFFOLD: every step moves by -lr * (c - c_i), so the control variates show in the result.
      if (job.control) w.data[c] = (w.data[c] as number) - steps * job.lr * ((job.control.server[c] as number) - (job.control.client[c] as number));
    }
    const imagePasses = epochs * job.indices.length;
    onProgress?.({ client: job.client, images: imagePasses });
    return { weights: w, steps, lrSum: steps * job.lr, epochsRun: epochs, finalTrainAccuracy: 0.9, imagePasses };
  }

  async infer(weights: WeightSet, split: SplitName, indices: Int32Array): Promise<InferOutcome> {
    await new Promise<void>((r) => setImmediate(r));
    const C = this.data.numClasses;
    const D = this.D;
    const labels = split === 'train' ? this.data.train.labels : this.data.test.labels;
    const salt = Math.round((weights.data[0] as number) * 1e6);
    const probs = new Float32Array(indices.length * C);
    const features = new Float32Array(indices.length * D);
    indices.forEach((id, r) => {
      const y = labels[id] as number;
      const sure = hash01(id, split === 'train' ? 1 : 2) < 0.6;
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const z = (weights.data[c] as number) + (sure && c === y ? 2 : 0) + hash01(id * 31 + c, salt);
        const e = Math.exp(z);
        probs[r * C + c] = e;
        sum += e;
      }
      for (let c = 0; c < C; c++) probs[r * C + c] = (probs[r * C + c] as number) / sum;
      for (let d = 0; d < D; d++) features[r * D + d] = (d % C === y ? 1 : 0) + hash01(id, 100 + d) - 0.5;
    });
    return { probs, features, featureDim: D };
  }

  async close(): Promise<void> {}
}
