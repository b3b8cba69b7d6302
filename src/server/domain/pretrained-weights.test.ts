// A federation that fine-tunes a pretrained network starts from its weights: the admin gives
// the engine-exported model.json, checked against the config before anything is created.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Of } from '../../engine/backbone/files';
import { engineWeightsFromBackbone } from '../../engine/backbone/engine-weights';
import { FederationConfigSchema, type FederationConfigInput } from '../../shared/wire';
import { minimalFederationConfig } from '../../shared/wire/testing/minimal-config';
import { pretrainedInitialWeights } from './initial-weights';

const dir = path.resolve('bench/learning/transfer/backbone');
const file = path.join(dir, 'model.json');
const sha256 = sha256Of([readFileSync(file), readFileSync(path.join(dir, 'weights.bin'))]);
const base: FederationConfigInput = minimalFederationConfig({
  name: 'fine-tune',
  classNames: ['0', '1', '2', '3', '4'],
  labelingBudgetPerCycle: 20,
  training: { frozenBlocks: ['block1', 'block2', 'block3'] },
  pretrained: { sha256, format: 'tfjs-layers', featureDim: 64, inputShape: [28, 28, 3] },
});

describe('initial weights of a fine-tuning federation', () => {
  it("are the pretrained network's, classifier seeded", () => {
    const w = pretrainedInitialWeights(FederationConfigSchema.parse(base), file, 3);
    expect(Array.from(w)).toEqual(Array.from(engineWeightsFromBackbone(file, 5, 3).weights.data));
  });

  it('refuse a file other than the one the config names, a different network, or no pretrained field', () => {
    expect(() => pretrainedInitialWeights(FederationConfigSchema.parse({ ...base, pretrained: { ...base.pretrained!, sha256: 'b'.repeat(64) } }), file, 3)).toThrow(/the config names bbbbbbbbbbbb/);
    const resnet = { ...base, model: { name: 'resnet9s', inputShape: [28, 28, 3] as [number, number, number] } };
    expect(() => pretrainedInitialWeights(FederationConfigSchema.parse(resnet), file, 3)).toThrow(/is cnn4conv 28x28x3; the config trains resnet9s/);
    const { pretrained: _p, ...plain } = base;
    expect(() => pretrainedInitialWeights(FederationConfigSchema.parse(plain), file, 3)).toThrow(/names no pretrained network/);
    expect(FederationConfigSchema.safeParse({ ...base, freshInitSeed: 4 }).success).toBe(false);
  });
});

describe('differential privacy post-processing', () => {
  it("finds the model's BatchNorm running variances, which the noise may push below zero", async () => {
    const { varianceRanges } = await import('./initial-weights');
    const config = FederationConfigSchema.parse({ ...base, pretrained: undefined, training: {}, differentialPrivacy: { noiseMultiplier: 1, clipNorm: 0.1 } });
    const ranges = varianceRanges(config);
    expect(ranges).toHaveLength(4);
    expect(ranges.every(([a, b]) => b - a === 64)).toBe(true);
  });
});
