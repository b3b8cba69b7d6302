import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import { loadBestBackend } from '../backend';
import type { ImageSet } from '../dataset';
import { evaluate, predict } from '../infer/inference';
import { initWeights, openModel } from '../model';
import { createFastNet } from '../nn/fast-net';
import { disposeParams, uploadParams } from '../nn/params';
import { createReferenceNet } from '../nn/reference-net';
import { maxRelErr } from '../nn/test-support';
import { trainModel } from '../train/trainer';
import { getModel, ModelConfigError } from './registry';

/** Feature vectors of 3 classes around separated centres, as a backbone's cached features. */
function featureSet(count: number, dim: number, seed: number): ImageSet {
  const centreRng = createRng(100 + dim);
  const centres = Array.from({ length: 3 }, () => Float32Array.from({ length: dim }, () => centreRng.next() * 2));
  const rng = createRng(seed);
  const images = new Float32Array(count * dim);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const y = i % 3;
    labels[i] = y;
    for (let k = 0; k < dim; k++) images[i * dim + k] = (centres[y]![k] as number) + (rng.next() - 0.5);
  }
  return { images, labels, count, height: 1, width: 1, channels: dim };
}

describe('linear head on cached backbone features', () => {
  beforeAll(async () => {
    await loadBestBackend({ prefer: ['wasm', 'cpu'] });
  });

  it('takes [1, 1, D] inputs and passes the features through to FairFAL unchanged', async () => {
    const cfg = { name: 'linear-head', height: 1, width: 1, channels: 32, numClasses: 3 };
    const data = featureSet(30, 32, 1);
    const m = openModel(cfg);
    const p = await predict(m, initWeights(cfg, 1), data, Int32Array.from({ length: 30 }, (_, i) => i), { features: true });
    expect(p.featureDim).toBe(32);
    expect(Array.from(p.features.subarray(0, 32))).toEqual(Array.from(data.images.subarray(0, 32)));
  });

  it('gradients agree with autodiff', () => {
    const cfg = { name: 'linear-head', height: 1, width: 1, channels: 24, numClasses: 4 };
    const arch = getModel('linear-head').describe(cfg);
    const rng = createRng(3);
    const x = tf.tensor4d(Float32Array.from({ length: 5 * 24 }, () => rng.next()), [5, 1, 1, 24]);
    const y = Int32Array.from([0, 1, 2, 3, 1]);
    const params = uploadParams(initWeights(cfg, 2));
    const fast = createFastNet(arch).step(params, x, y);
    const ref = createReferenceNet(arch).step(params, x, y);
    expect(fast.loss).toBeCloseTo(ref.loss, 5);
    expect(maxRelErr(fast.grad, ref.grad)).toBeLessThan(1e-4);
    expect(fast.batchStats).toEqual([]);
    disposeParams(params);
    x.dispose();
  });

  it('learns separable classes from float features through the ordinary trainer', async () => {
    const cfg = { name: 'linear-head', height: 1, width: 1, channels: 16, numClasses: 3 };
    const train = featureSet(90, 16, 4);
    const m = openModel(cfg);
    const { weights } = await trainModel(m, initWeights(cfg, 1), train, Int32Array.from({ length: 90 }, (_, i) => i), { epochs: 30, lr: 0.05, batchSize: 16, seed: 1, augment: { hflip: true, vflip: true, rot90: true, jitter: 0.1, cropScale: 0.7 } });
    const test = featureSet(60, 16, 5); // same classes, other draws
    const metrics = await evaluate(m, weights, test, Int32Array.from({ length: 60 }, (_, i) => i));
    expect(metrics.accuracy).toBeGreaterThan(0.9);
  });

  it('rejects image-shaped inputs and oversized feature vectors', () => {
    expect(() => openModel({ name: 'linear-head', height: 28, width: 28, channels: 3, numClasses: 3 })).toThrow(ModelConfigError);
    expect(() => openModel({ name: 'linear-head', height: 1, width: 1, channels: 100_000, numClasses: 3 })).toThrow(/1\.\.16384 features/);
  });
});
