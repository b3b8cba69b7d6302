import { describe, expect, it } from 'vitest';
import { describeModel, describePrivacy } from './model-words';

describe('model in words', () => {
  it('names the network and image size, or the backbone a head trains on', () => {
    expect(describeModel({ model: 'cnn4conv', inputShape: [28, 28, 3] })).toBe('Compact 4-layer network, as in the FairFAL paper (28 × 28 px images)');
    expect(describeModel({ model: 'resnet9s', inputShape: [64, 64, 3] })).toMatch(/Residual network.*64 × 64 px/);
    const backbone = { sha256: 'ab'.repeat(32), format: 'onnx' as const, featureDim: 64, inputShape: [28, 28, 3] as [number, number, 3], inputScaling: 'unit' as const, description: 'CNN4Conv pretrained on ODIR fundus photographs' };
    const training = { momentum: 0.9, weightDecay: 5e-4, batchSize: 32, hflip: true, minSteps: 400, sampling: 'class-balanced' as const, augment: null, cosine: true, earlyStopping: null, frozenBlocks: ['block1', 'block2', 'block3'] };
    expect(describeModel({ model: 'cnn4conv', inputShape: [28, 28, 3], pretrained: backbone, training })).toBe(
      'CNN4Conv pretrained on ODIR fundus photographs, fine-tuned on your labels: its last block and a new classifier learn, the earlier blocks stay as pretrained (28 × 28 px images; file abababababab…)',
    );
    expect(describeModel({ model: 'linear-head', inputShape: [1, 1, 64], backbone })).toBe(
      'A small classifier trained on the features of CNN4Conv pretrained on ODIR fundus photographs (64 features per image, images at 28 × 28 px; file abababababab…)',
    );
  });
});

describe('privacy in words', () => {
  it('states epsilon, delta, the stop and what it does not cover', () => {
    expect(describePrivacy({})).toBeNull();
    const words = describePrivacy({ privacy: { noiseMultiplier: 1.1, delta: 1e-5, plannedEpsilon: 7.9123, targetEpsilon: 8 } })!.join(' ');
    expect(words).toMatch(/ε = 7\.91 over the whole study \(δ = 0\.00001; smaller ε is stronger\)/);
    expect(words).toMatch(/stops before it would go past ε = 8/);
    expect(words).toMatch(/This is a moderate guarantee\./);
    expect(words).toMatch(/not what the study server sees/);
  });

  it('states secure aggregation, and that each clinic adds its share of the noise with it', () => {
    const words = describePrivacy({ secureAggregation: { survivorFraction: 2 / 3 }, privacy: { noiseMultiplier: 1, delta: 1e-5, plannedEpsilon: 42.7, targetEpsilon: null, adaptiveClipping: true } })!.join(' ');
    expect(words).toMatch(/^Secure aggregation: .*never this clinic's update or how many images it labeled\. A round counts only if at least 67% of its clinics, and never fewer than 3, stay/);
    expect(words).toMatch(/the limit adapts/);
    expect(words).toMatch(/With ε above 10 the guarantee is weak/);
    expect(words).toMatch(/ε = 42\.7 over the whole study/);
    expect(words).toMatch(/Each clinic adds its share of the noise before its update leaves\./);
    expect(words).not.toMatch(/not what the study server sees/);
  });
});
