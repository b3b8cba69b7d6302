// One seam onto the engine, two implementations: the worker-pool trainer and the in-process
// trainer run the same job (same options, same kernels) to the same weights, predictions and
// metrics, and both refuse weights of the wrong size by name.
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readMedMnist } from './data/npz';
import { InProcessTrainer } from './in-process-trainer';
import type { EngineModel, Trainer } from './trainer';
import { WorkerTrainer } from './worker-trainer';

const retina = readMedMnist(path.resolve('../shared/datasets/retinamnist.npz')).splits.train;
if (!retina) throw new Error('retinamnist has no train split');
const data = { images: retina.images, labels: retina.labels, count: retina.count, height: 28, width: 28, channels: 3 };
const task: EngineModel = { model: 'cnn4conv', inputShape: [28, 28, 3], numClasses: 5, inputScaling: 'centered' };
const labeled = Int32Array.from({ length: 96 }, (_, i) => i * 3);
const probe = Int32Array.from({ length: 40 }, (_, i) => 500 + i);

const trainers: Trainer[] = [];
afterAll(async () => {
  for (const t of trainers) await t.close();
});

async function runJob(t: Trainer) {
  const init = t.initialWeights(task, 11);
  const recipe = { momentum: 0.9, weightDecay: 1e-5, batchSize: 32, hflip: true };
  const weights = await t.train(task, init, data, labeled, { epochs: 2, lr: 0.02, seed: 5, recipe });
  const out = await t.predict(task, weights, data, probe, true);
  const metrics = await t.evaluate(task, weights, data, probe);
  return { weights, out, metrics };
}

describe('Trainer: worker pool and in-process run the same jobs alike', () => {
  it('same weights, predictions and metrics for the same round job', async () => {
    const worker = new WorkerTrainer({ prefer: ['wasm', 'cpu'] });
    const local = new InProcessTrainer(['wasm', 'cpu']);
    trainers.push(worker, local);
    expect((await worker.backend()).active).toBe((await local.backend()).active);
    const a = await runJob(worker);
    const b = await runJob(local);
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
    expect(Array.from(a.out.probs)).toEqual(Array.from(b.out.probs));
    expect(a.out.featureDim).toBe(b.out.featureDim);
    expect(a.metrics).toEqual(b.metrics);
    expect(a.metrics.count).toBe(40);
  }, 120_000);

  it('names a size mismatch instead of training on it', async () => {
    const local = new InProcessTrainer(['wasm', 'cpu']);
    trainers.push(local);
    await expect(local.train(task, new Float32Array(10), data, labeled, { epochs: 1, lr: 0.01, seed: 1 })).rejects.toThrow(/weights hold 10/);
  });
});
