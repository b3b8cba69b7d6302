import { describe, expect, it } from 'vitest';
import { describeModel } from './model-words';

describe('model in words', () => {
  it('names the network and image size, or the backbone a head trains on', () => {
    expect(describeModel({ model: 'cnn4conv', inputShape: [28, 28, 3] })).toBe('Compact 4-layer network, as in the FairFAL paper (28 × 28 px images)');
    expect(describeModel({ model: 'resnet9s', inputShape: [64, 64, 3] })).toMatch(/Residual network.*64 × 64 px/);
    const backbone = { sha256: 'ab'.repeat(32), format: 'onnx' as const, featureDim: 64, inputShape: [28, 28, 3] as [number, number, 3], inputScaling: 'unit' as const, description: 'CNN4Conv pretrained on ODIR fundus photographs' };
    expect(describeModel({ model: 'linear-head', inputShape: [1, 1, 64], backbone })).toBe(
      'A small classifier trained on the features of CNN4Conv pretrained on ODIR fundus photographs (64 features per image, images at 28 × 28 px; file abababababab…)',
    );
  });
});
