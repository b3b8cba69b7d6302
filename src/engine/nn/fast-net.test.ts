import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import { loadBestBackend } from '../backend';
import { getModel } from '../models/registry';
import type { ModelConfig } from '../models/types';
import { createFastNet } from './fast-net';
import { disposeParams, uploadParams } from './params';
import { createReferenceNet } from './reference-net';
import { maxRelErr } from './test-support';

function batch(cfg: ModelConfig, n: number, seed: number) {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: n * cfg.height * cfg.width * cfg.channels }, () => rng.next());
  const y = Int32Array.from({ length: n }, () => rng.int(cfg.numClasses));
  return { x, y };
}


function compare(cfg: ModelConfig, n: number) {
  const def = getModel(cfg.name);
  const arch = def.describe(cfg);
  const ws = def.init(cfg, 3);
  const { x, y } = batch(cfg, n, 11);
  const p = uploadParams(ws);
  const xt = tf.tensor4d(x, [n, cfg.height, cfg.width, cfg.channels]);
  const fast = createFastNet(arch).step(p, xt, y);
  const ref = createReferenceNet(arch).step(p, xt, y);
  const fwdF = createFastNet(arch).forward(p, xt, false);
  const fwdR = createReferenceNet(arch).forward(p, xt, false);
  const lf = fwdF.logits.dataSync() as Float32Array;
  const lr = fwdR.logits.dataSync() as Float32Array;
  tf.dispose([xt, fwdF.logits, fwdF.features, fwdR.logits, fwdR.features]);
  disposeParams(p);
  return { fast, ref, lf, lr };
}

describe('fast net matches tfjs autodiff (cpu backend)', () => {
  beforeAll(async () => {
    await loadBestBackend({ prefer: ['cpu'] });
  });
  const cases = [
    ['cnn4conv', 16, 3],
    ['cnn4conv', 32, 1],
    ['resnet9s', 16, 3],
    ['resnet9s', 20, 1],
  ] as const;
  for (const [model, h, c] of cases) {
    it(`${model}: gradients, loss and batch stats agree at ${h}x${h}x${c}`, () => {
      const { fast, ref, lf, lr } = compare({ name: model, height: h, width: h, channels: c, numClasses: 5 }, 4);
      expect(fast.loss).toBeCloseTo(ref.loss, 4);
      expect(fast.correct).toBe(ref.correct);
      expect(maxRelErr(fast.grad, ref.grad)).toBeLessThan(2e-3);
      fast.batchStats.forEach((s, i) => expect(maxRelErr(s, ref.batchStats[i] as Float32Array)).toBeLessThan(1e-4));
      expect(maxRelErr(lf, lr)).toBeLessThan(1e-4);
    });
  }
});
