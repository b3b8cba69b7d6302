import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import { tensorView } from '../../core/weights';
import { loadBestBackend } from '../backend';
import { makeBatch } from '../dataset';
import { predict } from '../infer/inference';
import { initWeights, openModel } from '../model';
import { trainModel } from './trainer';

const cfg = { name: 'cnn4conv', height: 16, width: 16, channels: 1 as const, numClasses: 3 };
const rng = createRng(5);
const data = { images: Uint8Array.from({ length: 12 * 256 }, () => rng.int(256)), labels: Int32Array.from({ length: 12 }, (_, i) => i % 3), count: 12, height: 16, width: 16, channels: 1 };

describe('the official code\'s recipe options', () => {
  beforeAll(async () => {
    await loadBestBackend({ prefer: ['cpu'] });
  });

  it("input scaling 'centered' feeds (x/255 - 0.5)/0.5, 'unit' x/255", () => {
    const idx = [0, 1];
    const unit = makeBatch(data, idx, null).x.dataSync();
    const centered = makeBatch(data, idx, null, 'centered').x.dataSync();
    for (let i = 0; i < unit.length; i += 37) {
      expect(centered[i]).toBeCloseTo(((data.images[i] as number) / 255 - 0.5) / 0.5, 6);
      expect(unit[i]).toBeCloseTo((data.images[i] as number) / 255, 6);
    }
  });

  it('the linear bias of a fresh CNN4Conv is 0 (official CNN4Conv), the weights are not', () => {
    const ws = initWeights(cfg, 1);
    expect(Array.from(tensorView(ws, 'fc.bias'))).toEqual([0, 0, 0]);
    expect(tensorView(ws, 'fc.weight').some((v) => v !== 0)).toBe(true);
  });

  it("early stop 'eval' reads an eval-mode pass after each epoch, not the running accuracy", async () => {
    const model = openModel(cfg, 'fast');
    const idx = Int32Array.from({ length: 12 }, (_, i) => i);
    const opts = { epochs: 3, lr: 0.05, batchSize: 4, seed: 2, earlyStopAccuracy: 1.01 };
    const running = await trainModel(model, initWeights(cfg, 4), data, idx, opts);
    const evalMode = await trainModel(model, initWeights(cfg, 4), data, idx, { ...opts, earlyStopOn: 'eval' });
    // Same training steps either way: the eval pass changes nothing but what is read.
    expect(Array.from(evalMode.weights.data)).toEqual(Array.from(running.weights.data));
    const p = await predict(model, evalMode.weights, data, idx);
    let ok = 0;
    for (let i = 0; i < 12; i++) {
      const row = Array.from(p.probs.subarray(i * 3, i * 3 + 3));
      if (row.indexOf(Math.max(...row)) === data.labels[i]) ok++;
    }
    expect(evalMode.history.at(-1)?.accuracy).toBeCloseTo(ok / 12, 9);
    expect(evalMode.history.map((h) => h.accuracy)).not.toEqual(running.history.map((h) => h.accuracy));
  });
});
