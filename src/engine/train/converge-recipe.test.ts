// The converging recipe's run (issue 16): at least minSteps steps, class-balanced draws with the
// photographic augmentations, and early stopping that scores held-out checkpoints from minSteps
// on and hands back the best one.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMedMnist } from '../data/npz';
import { initWeights, openModel } from '../model';
import { loadBestBackend } from '../backend';
import { trainModel } from './trainer';

const retina = readMedMnist(path.resolve('../shared/datasets/retinamnist.npz')).splits.train!;
const data = { images: retina.images, labels: retina.labels, count: retina.count, height: 28, width: 28, channels: 3 };
const config = { name: 'cnn4conv', height: 28, width: 28, channels: 3 as const, numClasses: 5 };
const train = Int32Array.from({ length: 64 }, (_, i) => i);
const holdout = Int32Array.from({ length: 40 }, (_, i) => 200 + i);
const recipe = { lr: 0.01, seed: 3, batchSize: 16, hflip: true, sampling: 'class-balanced' as const, cosine: true, augment: { hflip: true, vflip: true, rot90: true, jitter: 0.1, cropScale: 0.7 } };

describe('the converging recipe', () => {
  it('runs minSteps on a small set, and keeps the best held-out checkpoint scored from minSteps on', async () => {
    await loadBestBackend({ prefer: ['wasm', 'cpu'] });
    const model = openModel(config);
    const init = initWeights(config, 1);
    // 64 images in batches of 16: 2 epochs are 8 steps, the minimum makes it 60.
    const short = await trainModel(model, init, data, train, { ...recipe, epochs: 2, minSteps: 60, holdout: { indices: holdout, everySteps: 20, patience: 5 } });
    expect(short.steps).toBe(60);
    expect(short.best?.step).toBe(60);
    // 30 epochs are 120 steps: checkpoints at 60, 80, 100 and 120 compete, none before 60.
    const long = await trainModel(model, init, data, train, { ...recipe, epochs: 30, minSteps: 60, holdout: { indices: holdout, everySteps: 20, patience: 5 } });
    expect(long.steps).toBe(120);
    expect([60, 80, 100, 120]).toContain(long.best?.step);
    expect(Number.isFinite(long.best?.heldOutLoss)).toBe(true);
    // Without a holdout the same run ends where its schedule ends.
    const plain = await trainModel(model, init, data, train, { ...recipe, epochs: 2, minSteps: 60 });
    expect(plain.steps).toBe(60);
    expect(plain.best).toBeUndefined();
  }, 120_000);
});
