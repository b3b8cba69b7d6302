import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import { tensorView } from '../../core/weights';
import { loadBestBackend } from '../backend';
import { makeBatch } from '../dataset';
import { initWeights, openModel } from '../model';
import { disposeParams, uploadParams } from '../nn';
import { localOnlyTraining } from '../../core/protocol';
import { scheduledLr } from './schedule';
import { createSgdState, sgdStep } from './sgd';
import { trainModel } from './trainer';

describe('SGD (PyTorch semantics)', () => {
  it('matches a hand-computed two-step reference with weight decay, momentum and FedProx', () => {
    const w = Float32Array.from([1, -2]);
    const s = createSgdState(2);
    const cfg = { lr: 0.1, momentum: 0.9, weightDecay: 0.1 };
    sgdStep(w, Float32Array.from([0.5, 0.1]), s, [[0, 2]], cfg, 0.1);
    expect(w[0]).toBeCloseTo(0.94, 6);
    expect(w[1]).toBeCloseTo(-1.99, 6);
    sgdStep(w, Float32Array.from([0.2, 0.3]), s, [[0, 2]], cfg, 0.1);
    expect(w[0]).toBeCloseTo(0.8566, 6);
    expect(w[1]).toBeCloseTo(-1.9911, 6);
    const p = Float32Array.from([1]);
    sgdStep(p, Float32Array.from([0]), createSgdState(1), [[0, 1]], { lr: 1, momentum: 0.9, weightDecay: 0, proxMu: 0.5 }, 1, Float32Array.from([0.2]));
    expect(p[0]).toBeCloseTo(1 - 0.5 * 0.8, 6);
  });

  it('the local-only schedule: milestone 37 per epoch or per batch', () => {
    const sch = localOnlyTraining(0).schedule;
    expect(sch.milestones).toEqual([37]);
    expect(scheduledLr(0.01, sch, 36, 500)).toBe(0.01);
    expect(scheduledLr(0.01, sch, 37, 0)).toBeCloseTo(0.001);
    expect(scheduledLr(0.01, localOnlyTraining(0, { scheduleUnit: 'batch' }).schedule, 0, 37)).toBeCloseTo(0.001);
  });
});

describe('one training step on a tiny model equals w - lr * (grad + wd * w)', () => {
  beforeAll(async () => {
    await loadBestBackend({ prefer: ['cpu'] });
  });
  it('with the gradient from tfjs autodiff', async () => {
    const cfg = { name: 'cnn4conv', height: 16, width: 16, channels: 1 as const, numClasses: 3 };
    const rng = createRng(5);
    const data = { images: Uint8Array.from({ length: 6 * 256 }, () => rng.int(256)), labels: Int32Array.from([0, 1, 2, 0, 1, 2]), count: 6, height: 16, width: 16, channels: 1 };
    const w0 = initWeights(cfg, 3);
    const idx = Int32Array.from([0, 1, 2, 3, 4, 5]);
    const r = await trainModel(openModel(cfg, 'fast'), w0, data, idx, { epochs: 1, lr: 0.1, weightDecay: 0.01, batchSize: 6, seed: 1 });
    // Reference: autodiff gradient on the batch in the order the trainer used it.
    const order = createRng(1).shuffle(Int32Array.from(idx));
    const { x, labels } = makeBatch(data, order, null);
    const p = uploadParams(w0);
    const ref = openModel(cfg, 'reference').net.step(p, x, labels);
    disposeParams(p);
    x.dispose();
    const conv = tensorView(w0, 'block2.conv.weight');
    const g = ref.grad.subarray(3 * 3 * 64 + 64 * 5, 3 * 3 * 64 + 64 * 5 + conv.length);
    const got = tensorView(r.weights, 'block2.conv.weight');
    let worst = 0;
    for (let i = 0; i < conv.length; i++) {
      const want = (conv[i] as number) - 0.1 * ((g[i] as number) + 0.01 * (conv[i] as number));
      worst = Math.max(worst, Math.abs((got[i] as number) - want));
    }
    expect(worst).toBeLessThan(1e-5);
    // BatchNorm running mean moved 10% of the way to the batch mean (from 0).
    const rm = tensorView(r.weights, 'block1.bn.running_mean');
    expect(Array.from(rm).map((v) => v / 0.1)).toEqual(Array.from(ref.batchStats[0]?.subarray(0, 64) ?? []).map((v) => expect.closeTo(v, 3)));
    expect(tf.memory().numTensors).toBeLessThan(100);
  });
});

describe('SCAFFOLD correction (g + c - c_i)', () => {
  it('changes two momentum steps exactly as the formula says, only inside the trainable ranges', () => {
    const w = Float32Array.from([1, -2, 5]);
    const s = createSgdState(3);
    const cfg = { lr: 0.1, momentum: 0.9, weightDecay: 0.1 };
    const control = { server: Float32Array.from([0.3, -0.2, 7]), client: Float32Array.from([0.1, 0.4, -7]) };
    // Index 2 stands for a BatchNorm running buffer: outside the ranges, never corrected.
    const ranges: [number, number][] = [[0, 2]];
    const ref = [1, -2];
    const buf = [0, 0];
    const grads = [Float32Array.from([0.5, 0.1, 9]), Float32Array.from([0.2, 0.3, 9])];
    grads.forEach((g, step) => {
      sgdStep(w, g, s, ranges, cfg, 0.1, undefined, control);
      for (let i = 0; i < 2; i++) {
        const corrected = (g[i] as number) + 0.1 * (ref[i] as number) + ((control.server[i] as number) - (control.client[i] as number));
        const b = step === 0 ? corrected : 0.9 * (buf[i] as number) + corrected;
        buf[i] = Math.fround(b); // the momentum buffer is float32
        ref[i] = Math.fround((ref[i] as number) - 0.1 * b);
      }
      expect(Array.from(w.subarray(0, 2))).toEqual(ref);
    });
    // Hand values: step 1 w0 = 1 - 0.1 * (0.5 + 0.1 + 0.2) = 0.92, w1 = -2 - 0.1 * (0.1 - 0.2 - 0.6) = -1.93.
    expect(w[2]).toBe(5);
    const one = Float32Array.from([1, -2]);
    sgdStep(one, Float32Array.from([0.5, 0.1]), createSgdState(2), [[0, 2]], cfg, 0.1, undefined, control);
    expect(one[0]).toBeCloseTo(0.92, 6);
    expect(one[1]).toBeCloseTo(-1.93, 6);
  });

  it('zero control variates give plain SGD bit for bit (momentum, weight decay, FedProx)', () => {
    const rng = createRng(11);
    const n = 1000;
    const start = Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
    const anchor = Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
    const a = Float32Array.from(start);
    const b = Float32Array.from(start);
    const sa = createSgdState(n);
    const sb = createSgdState(n);
    const cfg = { lr: 0.05, momentum: 0.9, weightDecay: 1e-4, proxMu: 0.01 };
    const zero = { server: new Float32Array(n), client: new Float32Array(n) };
    for (let step = 0; step < 5; step++) {
      const g = Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 0.1);
      g[step] = -0; // signed zeros too
      sgdStep(a, g, sa, [[0, 600], [700, n]], cfg, 0.05, anchor);
      sgdStep(b, g, sb, [[0, 600], [700, n]], cfg, 0.05, anchor, zero);
    }
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(Buffer.from(sb.buf.buffer).equals(Buffer.from(sa.buf.buffer))).toBe(true);
  });
});
