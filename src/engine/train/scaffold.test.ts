import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import { layoutOffsets, specSize } from '../../core/weights';
import { loadBestBackend } from '../backend';
import { initWeights, openModel } from '../model';
import { nextClientControl, ScaffoldInputError } from './scaffold';
import { trainModel } from './trainer';

const cfg = { name: 'cnn4conv', height: 16, width: 16, channels: 1 as const, numClasses: 3 };

function tinyData() {
  const rng = createRng(5);
  return { images: Uint8Array.from({ length: 6 * 256 }, () => rng.int(256)), labels: Int32Array.from([0, 1, 2, 0, 1, 2]), count: 6, height: 16, width: 16, channels: 1 };
}

/** Flat index -> trainable? */
function trainableMask(specs: ReturnType<typeof initWeights>['specs'], n: number): Uint8Array {
  const mask = new Uint8Array(n);
  const offs = layoutOffsets(specs);
  specs.forEach((s, t) => {
    if (s.trainable) mask.fill(1, offs[t] as number, (offs[t] as number) + specSize(s));
  });
  return mask;
}

describe('trainModel with SCAFFOLD control variates', () => {
  beforeAll(async () => {
    await loadBestBackend({ prefer: ['cpu'] });
  });
  const idx = Int32Array.from([0, 1, 2, 3, 4, 5]);
  const opts = { epochs: 1, lr: 0.1, weightDecay: 0.01, batchSize: 6, seed: 1 };

  it('zero controls train bit for bit like plain SGD; a correction d moves one step by exactly -lr * d on trainable weights only', async () => {
    const data = tinyData();
    const w0 = initWeights(cfg, 3);
    const n = w0.data.length;
    const model = openModel(cfg, 'fast');
    const plain = await trainModel(model, w0, data, idx, opts);
    const zero = await trainModel(model, w0, data, idx, { ...opts, scaffold: { server: new Float32Array(n), client: new Float32Array(n) } });
    expect(Buffer.from(zero.weights.data.buffer).equals(Buffer.from(plain.weights.data.buffer))).toBe(true);
    expect(plain.steps).toBe(1);
    expect(plain.lrSum).toBeCloseTo(0.1, 12);

    const rng = createRng(9);
    const server = Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const client = Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const corrected = await trainModel(model, w0, data, idx, { ...opts, scaffold: { server, client } });
    const mask = trainableMask(w0.specs, n);
    let worst = 0;
    let buffersMoved = 0;
    for (let i = 0; i < n; i++) {
      const diff = (corrected.weights.data[i] as number) - (plain.weights.data[i] as number);
      if (mask[i]) worst = Math.max(worst, Math.abs(diff + 0.1 * ((server[i] as number) - (client[i] as number))));
      else if (diff !== 0) buffersMoved++;
    }
    expect(worst).toBeLessThan(1e-6);
    expect(buffersMoved).toBe(0);
  });

  it('option II: after one step c_i+ is the corrected-away gradient (x - y) / lr - (c - c_i); buffers keep 0', async () => {
    const data = tinyData();
    const w0 = initWeights(cfg, 4);
    const n = w0.data.length;
    const rng = createRng(2);
    const server = Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 0.01);
    const client = Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 0.01);
    const model = openModel(cfg, 'fast');
    const plain = await trainModel(model, w0, data, idx, opts);
    const r = await trainModel(model, w0, data, idx, { ...opts, scaffold: { server, client } });
    const next = nextClientControl(w0.specs, w0.data, r.weights.data, server, client, r.lrSum);
    const mask = trainableMask(w0.specs, n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) {
        expect(next.control[i]).toBe(0);
        expect(next.delta[i]).toBe(0);
        continue;
      }
      // One plain step: y = x - lr * (g + wd x), so (x - y_plain) / lr is the uncorrected gradient.
      const g = ((w0.data[i] as number) - (plain.weights.data[i] as number)) / 0.1;
      worst = Math.max(worst, Math.abs((next.control[i] as number) - g));
      expect(next.delta[i]).toBeCloseTo((next.control[i] as number) - (client[i] as number), 5);
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('rejects control variates of the wrong length and an empty lr sum', async () => {
    const w0 = initWeights(cfg, 3);
    const short = new Float32Array(10);
    await expect(trainModel(openModel(cfg, 'fast'), w0, tinyData(), idx, { ...opts, scaffold: { server: short, client: short } })).rejects.toThrow(/control variates hold 10/);
    const n = w0.data.length;
    expect(() => nextClientControl(w0.specs, w0.data, w0.data, new Float32Array(n), new Float32Array(n), 0)).toThrow(ScaffoldInputError);
  });
});
