// A model whose weights blew up (e.g. differential-privacy noise far above the updates) gives
// non-finite outputs: those images get uniform probabilities and zero features ("no
// information"), so gamma_k, the query and the metrics still run and measure it at chance.
import { describe, expect, it } from 'vitest';
import { initWeights, openModel } from '../model';
import { predict } from './inference';

describe('inference with a broken model', () => {
  it('non-finite outputs become uniform probabilities and zero features; a sound model is untouched', async () => {
    const cfg = { name: 'cnn4conv', height: 28, width: 28, channels: 3, numClasses: 5 };
    const model = openModel(cfg);
    const ws = initWeights(cfg, 3);
    const data = { images: Uint8Array.from({ length: 4 * 28 * 28 * 3 }, (_, i) => (i * 37) % 256), labels: Int32Array.from([0, 1, 2, 3]), count: 4, height: 28, width: 28, channels: 3 };
    const sound = await predict(model, ws, data, [0, 1, 2, 3], { features: true });
    expect(sound.probs.every(Number.isFinite)).toBe(true);
    expect(new Set(Array.from(sound.probs.subarray(0, 5))).size).toBeGreaterThan(1);
    const broken = { specs: ws.specs, data: ws.data.map(() => Number.NaN) };
    const out = await predict(model, broken, data, [0, 1, 2, 3], { features: true });
    expect(Array.from(out.probs)).toEqual(Array(20).fill(Float32Array.of(1 / 5)[0]));
    expect(out.features.every((v) => v === 0)).toBe(true);
  });
});
