// Integration test on real data (not timed): the recipe on RetinaMNIST must learn.
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBestBackend } from '../backend';
import { readMedMnist } from '../data/npz';
import { evaluate } from '../infer/inference';
import { initWeights, openModel } from '../model';
import { trainModel } from './trainer';

const FILE = '../shared/datasets/retinamnist.npz';

describe.skipIf(!existsSync(FILE))('CNN4Conv on RetinaMNIST', () => {
  beforeAll(async () => {
    await loadBestBackend({ prefer: ['wasm', 'cpu'] });
  });
  // One seed's trajectory swings by several points on 1,080 images (PyTorch: 49.5-53.5% and
  // 0.29-0.39 over 3 seeds), so the target is the mean over three seeds, like the reference range.
  it('10 epochs, SGD 0.01 m0.9 batch 64 + flips: mean over 3 seeds >= 47% test accuracy and >= 0.27 balanced accuracy', async () => {
    const ds = readMedMnist(FILE);
    const train = ds.splits.train;
    const test = ds.splits.test;
    if (!train || !test) throw new Error('retinamnist.npz lacks a train or test split');
    const cfg = { name: 'cnn4conv', height: 28, width: 28, channels: 3 as const, numClasses: ds.numClasses };
    const model = openModel(cfg);
    const results: Awaited<ReturnType<typeof evaluate>>[] = [];
    for (const seed of [0, 1, 2]) {
      const r = await trainModel(model, initWeights(cfg, seed), train, Int32Array.from({ length: train.count }, (_, i) => i), {
        epochs: 10,
        lr: 0.01,
        momentum: 0.9,
        weightDecay: 1e-5,
        batchSize: 64,
        hflip: true,
        seed,
      });
      const m = await evaluate(model, r.weights, test, Int32Array.from({ length: test.count }, (_, i) => i));
      console.log(`RetinaMNIST seed ${seed}: test accuracy ${m.accuracy.toFixed(4)}, balanced ${m.balancedAccuracy.toFixed(4)}`);
      expect(r.history.at(-1)?.loss).toBeLessThan(r.history[0]?.loss ?? 0);
      results.push(m);
    }
    const mean = (f: (m: Awaited<ReturnType<typeof evaluate>>) => number) => results.reduce((a, m) => a + f(m), 0) / results.length;
    console.log(`RetinaMNIST mean of 3 seeds: accuracy ${mean((m) => m.accuracy).toFixed(4)}, balanced ${mean((m) => m.balancedAccuracy).toFixed(4)}`);
    expect(mean((m) => m.accuracy)).toBeGreaterThanOrEqual(0.47);
    expect(mean((m) => m.balancedAccuracy)).toBeGreaterThanOrEqual(0.27);
  }, 1_200_000);
});
