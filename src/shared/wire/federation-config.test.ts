// A federation on a pretrained backbone trains a linear head on its features: the config must
// say so consistently, or be refused with a message naming the mismatch.
import { describe, expect, it } from 'vitest';
import { FederationConfigSchema, type FederationConfigInput } from './federation-config';
import { minimalFederationConfig } from './testing/minimal-config';

const base: FederationConfigInput = minimalFederationConfig({ name: 'fundus study' });
const backbone = { sha256: 'a'.repeat(64), format: 'onnx' as const, featureDim: 64, inputShape: [28, 28, 3] as [number, number, 3] };

describe('federation config with a backbone', () => {
  it('accepts a linear head of the backbone feature length', () => {
    const c = FederationConfigSchema.parse({ ...base, model: { name: 'linear-head', inputShape: [1, 1, 64] }, backbone });
    expect(c.backbone).toMatchObject({ featureDim: 64, inputScaling: 'unit', description: '' });
  });

  it('refuses a whole network on a backbone, a head of the wrong width, and a head without a backbone', () => {
    const message = (input: FederationConfigInput) => {
      const r = FederationConfigSchema.safeParse(input);
      return r.success ? 'accepted' : r.error.issues.map((i) => i.message).join('; ');
    };
    expect(message({ ...base, backbone })).toMatch(/trains model 'linear-head' with inputShape \[1, 1, 64\]/);
    expect(message({ ...base, model: { name: 'linear-head', inputShape: [1, 1, 32] }, backbone })).toMatch(/\[1, 1, 64\]/);
    expect(message({ ...base, model: { name: 'linear-head', inputShape: [1, 1, 64] } })).toMatch(/name the backbone/);
    expect(message({ ...base, model: { name: 'linear-head', inputShape: [1, 1, 64] }, backbone: { ...backbone, sha256: 'not-a-hash' } })).toMatch(/sha256/);
    // Fine-tuning keeps the pretrained network: its own architecture and input, no head on top.
    expect(message({ ...base, pretrained: backbone, training: { frozenBlocks: ['block1', 'block2', 'block3'] } })).toBe('accepted');
    expect(message({ ...base, model: { name: 'cnn4conv', inputShape: [64, 64, 3] }, pretrained: backbone })).toMatch(/keeps its own architecture and input \[28, 28, 3\]/);
    expect(message({ ...base, model: { name: 'linear-head', inputShape: [1, 1, 64] }, backbone, pretrained: backbone })).toMatch(/without a separate backbone/);
  });
});

describe('federation config with differential privacy', () => {
  const message = (input: FederationConfigInput) => {
    const r = FederationConfigSchema.safeParse(input);
    return r.success ? 'accepted' : r.error.issues.map((i) => i.message).join('; ');
  };
  it('accepts DP-FedAvg with FedAvg or FedProx and fills the defaults', () => {
    const c = FederationConfigSchema.parse({ ...base, differentialPrivacy: { noiseMultiplier: 1.1, clipNorm: 0.1 } });
    expect(c.differentialPrivacy).toEqual({ noiseMultiplier: 1.1, clipNorm: 0.1, weightCap: 100, delta: 1e-5 });
    expect(message({ ...base, aggregation: { name: 'fedprox', mu: 0.01 }, differentialPrivacy: { noiseMultiplier: 1, clipNorm: 1 } })).toBe('accepted');
  });
  it('refuses zero noise and the aggregators that need individual updates, saying why', () => {
    expect(message({ ...base, differentialPrivacy: { noiseMultiplier: 0, clipNorm: 1 } })).toMatch(/zero noise gives no differential privacy/);
    expect(message({ ...base, aggregation: { name: 'median' }, differentialPrivacy: { noiseMultiplier: 1, clipNorm: 1 } })).toMatch(/'median' needs individual updates/);
    expect(message({ ...base, aggregation: { name: 'scaffold' }, differentialPrivacy: { noiseMultiplier: 1, clipNorm: 1 } })).toMatch(/'scaffold' is not supported with it yet/);
  });
});
