import { describe, expect, it } from 'vitest';
import { decodeModelBlob, decodeUpdate, encodeModelBlob, encodeUpdate, UpdateFormatError } from './update-codec';
import { ModelHashSchema, RoundIdSchema } from './ids';
import { FederationConfigSchema } from './federation-config';
import { ClientTaskSchema } from './api';

const header = { roundId: RoundIdSchema.parse(3), baseModelHash: ModelHashSchema.parse('a'.repeat(64)), sampleCount: 12 };

describe('update codec', () => {
  it('round-trips weights and a control delta', () => {
    const weights = Float32Array.from([1.5, -2, 3.25]);
    const controlDelta = Float32Array.from([0.1, 0.2, 0.3]);
    const decoded = decodeUpdate(encodeUpdate({ header, weights, controlDelta }));
    expect(decoded.header).toEqual(header);
    expect(Array.from(decoded.weights)).toEqual([1.5, -2, 3.25]);
    expect(decoded.controlDelta?.[2]).toBeCloseTo(0.3, 6);
  });

  it('rejects truncated, padded and garbage bodies', () => {
    const bytes = encodeUpdate({ header, weights: new Float32Array(10) });
    expect(() => decodeUpdate(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
    const padded = new Uint8Array(bytes.length + 4);
    padded.set(bytes);
    expect(() => decodeUpdate(padded)).toThrow(UpdateFormatError);
    expect(() => decodeUpdate(new Uint8Array([1, 2, 3]))).toThrow(/shorter/);
    expect(() => decodeUpdate(new TextEncoder().encode('FFU1\u0004\u0000\u0000\u0000{}  xxxxxxxx'))).toThrow(UpdateFormatError);
  });

  it('model blobs are raw float32 LE', () => {
    const blob = encodeModelBlob(Float32Array.from([1, 2]));
    expect(Array.from(blob)).toEqual([0, 0, 128, 63, 0, 0, 0, 64]);
    expect(Array.from(decodeModelBlob(blob))).toEqual([1, 2]);
    expect(() => decodeModelBlob(new Uint8Array(3))).toThrow(UpdateFormatError);
  });
});

describe('schemas', () => {
  it('applies federation config defaults and rejects unknown keys', () => {
    const base = {
      name: 'derma', classNames: ['a', 'b'], model: { name: 'CNN4Conv', inputShape: [28, 28, 3] },
      cycles: 2, roundsPerCycle: 3, localEpochs: 1, labelingBudgetPerCycle: 30, minClientsPerRound: 2,
      roundDeadlineSeconds: 60, labelingDeadlineSeconds: 600,
    };
    const cfg = FederationConfigSchema.parse(base);
    expect(cfg.aggregation).toEqual({ name: 'fedavg' });
    expect(cfg.learningRate.initial).toBe(0.01);
    expect(FederationConfigSchema.safeParse({ ...base, extra: 1 }).success).toBe(false);
  });

  it('discriminates tasks by kind', () => {
    expect(ClientTaskSchema.parse({ kind: 'wait', reason: 'x', retryAfterMs: 5 }).kind).toBe('wait');
    expect(ClientTaskSchema.safeParse({ kind: 'train' }).success).toBe(false);
  });
});

describe('zero-copy decode', () => {
  it('returns views when aligned and equal values either way', () => {
    const bytes = encodeUpdate({ header, weights: Float32Array.from([1, 2, 3]) });
    const view = decodeUpdate(bytes, { copy: false });
    const copy = decodeUpdate(bytes);
    expect(Array.from(view.weights)).toEqual(Array.from(copy.weights));
    expect(view.weights.buffer).toBe(bytes.buffer);
    expect(copy.weights.buffer).not.toBe(bytes.buffer);
  });
});
