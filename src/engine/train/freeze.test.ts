// Fine-tuning the last block of a pretrained backbone: the blocks before it stay exactly as
// they were (weights and BatchNorm statistics), the last block and the classifier move.
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import { tensorView } from '../../core/weights';
import { loadBestBackend } from '../backend';
import { initWeights, openModel } from '../model';
import { trainModel } from './trainer';

describe('training with frozen blocks', () => {
  beforeAll(async () => {
    await loadBestBackend({ prefer: ['wasm', 'cpu'] });
  });

  it('keeps frozen tensors bit for bit and trains the rest', async () => {
    const cfg = { name: 'cnn4conv', height: 16, width: 16, channels: 3, numClasses: 3 };
    const rng = createRng(1);
    const count = 24;
    const data = { images: Uint8Array.from({ length: count * 16 * 16 * 3 }, () => rng.int(256)), labels: Int32Array.from({ length: count }, (_, i) => i % 3), count, height: 16, width: 16, channels: 3 };
    const start = initWeights(cfg, 2);
    const before = Float32Array.from(start.data);
    const { weights } = await trainModel(openModel(cfg), start, data, Int32Array.from({ length: count }, (_, i) => i), { epochs: 2, lr: 0.05, batchSize: 8, weightDecay: 5e-4, seed: 3, freeze: ['block1', 'block2', 'block3'] });
    const changed = (name: string) => {
      const was = tensorView({ specs: weights.specs, data: before }, name);
      return tensorView(weights, name).some((v, i) => v !== was[i]);
    };
    for (const b of ['block1', 'block2', 'block3']) {
      for (const t of ['conv.weight', 'bn.weight', 'bn.running_mean', 'bn.running_var']) expect(changed(`${b}.${t}`), `${b}.${t}`).toBe(false);
    }
    for (const t of ['block4.conv.weight', 'block4.bn.weight', 'block4.bn.running_mean', 'fc.weight']) expect(changed(t), t).toBe(true);
  });
});
