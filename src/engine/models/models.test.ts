import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensorView } from '../../core/weights';
import { loadBestBackend } from '../backend';
import { initWeights, openModel } from '../model';
import { disposeParams, uploadParams } from '../nn';
import { getModel, ModelConfigError } from './registry';

describe('CNN4Conv', () => {
  beforeAll(async () => {
    await loadBestBackend({ prefer: ['wasm', 'cpu'] });
  });

  for (const size of [28, 32, 64]) {
    for (const channels of [1, 3] as const) {
      it(`logits and features have the right shapes at ${size}x${size}x${channels}`, () => {
        const cfg = { name: 'cnn4conv', height: size, width: size, channels, numClasses: 7 };
        const m = openModel(cfg);
        const dim = { 28: 64, 32: 256, 64: 1024 }[size];
        expect(m.arch.featureDim).toBe(dim);
        const p = uploadParams(initWeights(cfg, 1));
        const x = tf.randomUniform([3, size, size, channels]) as tf.Tensor4D;
        for (const train of [false, true]) {
          const out = m.net.forward(p, x, train);
          expect(out.logits.shape).toEqual([3, 7]);
          expect(out.features.shape).toEqual([3, dim]);
          expect(Array.from(out.logits.dataSync()).every(Number.isFinite)).toBe(true);
          tf.dispose([out.logits, out.features]);
        }
        x.dispose();
        disposeParams(p);
      });
    }
  }

  it('initialises like PyTorch: U(+-1/sqrt(fan_in)) weights and biases, BN 1/0, running stats 0/1', () => {
    const cfg = { name: 'cnn4conv', height: 28, width: 28, channels: 3 as const, numClasses: 10 };
    const ws = initWeights(cfg, 42);
    const check = (name: string, fanIn: number) => {
      const v = tensorView(ws, name);
      const bound = 1 / Math.sqrt(fanIn);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.abs(mean)).toBeLessThan(bound * 0.1);
      expect(variance).toBeCloseTo((bound * bound) / 3, 2 - Math.round(Math.log10(bound * bound)));
    };
    check('block1.conv.weight', 27);
    check('block2.conv.weight', 576);
    check('block4.conv.weight', 576);
    check('fc.weight', 64);
    expect(tensorView(ws, 'block3.bn.weight').every((x) => x === 1)).toBe(true);
    expect(tensorView(ws, 'block3.bn.bias').every((x) => x === 0)).toBe(true);
    expect(tensorView(ws, 'block3.bn.running_var').every((x) => x === 1)).toBe(true);
    expect(initWeights(cfg, 42).data).toEqual(ws.data);
    expect(initWeights(cfg, 43).data).not.toEqual(ws.data);
  });

  it('rejects unknown models and unsupported shapes', () => {
    expect(() => getModel('vgg')).toThrow(ModelConfigError);
    expect(() => openModel({ name: 'cnn4conv', height: 8, width: 8, channels: 3, numClasses: 3 })).toThrow(/at least 16x16/);
    expect(() => openModel({ name: 'cnn4conv', height: 28, width: 28, channels: 2 as 3, numClasses: 3 })).toThrow(/1 or 3 channels/);
  });
});

describe('resnet9s (small residual network)', () => {
  beforeAll(async () => {
    await loadBestBackend({ prefer: ['wasm', 'cpu'] });
  });

  it('has 8 conv+BN blocks, two identity shortcuts and 128 features at any input size', () => {
    for (const size of [28, 64, 96]) {
      const arch = getModel('resnet9s').describe({ name: 'resnet9s', height: size, width: size, channels: 3, numClasses: 7 });
      expect(arch.blocks.map((b) => b.prefix)).toEqual(['prep', 'layer1', 'layer1.res1', 'layer1.res2', 'layer2', 'layer3', 'layer3.res1', 'layer3.res2']);
      expect(arch.residuals).toEqual([
        { from: 2, to: 3 },
        { from: 6, to: 7 },
      ]);
      expect(arch.featureDim).toBe(128);
      expect(arch.final.h).toBe(Math.floor(Math.floor(Math.floor(size / 2) / 2) / 2));
      // Each shortcut joins tensors of one shape: the branch keeps size and channels.
      for (const r of arch.residuals ?? []) {
        const a = arch.blocks[r.from];
        const b = arch.blocks[r.to];
        expect([a?.cin, a?.h, b?.cout, b?.pool]).toEqual([b?.cout, b?.h, a?.cin, false]);
      }
    }
  });

  it('runs forward at 64x64 in train and eval mode with finite logits', () => {
    const cfg = { name: 'resnet9s', height: 64, width: 64, channels: 3 as const, numClasses: 7 };
    const m = openModel(cfg);
    const p = uploadParams(initWeights(cfg, 1));
    const x = tf.randomUniform([2, 64, 64, 3]) as tf.Tensor4D;
    for (const train of [false, true]) {
      const out = m.net.forward(p, x, train);
      expect(out.logits.shape).toEqual([2, 7]);
      expect(out.features.shape).toEqual([2, 128]);
      expect(Array.from(out.logits.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([out.logits, out.features]);
    }
    x.dispose();
    disposeParams(p);
  });
});
