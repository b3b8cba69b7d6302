import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  addWeights, createWeightSet, decodeWeights, encodeWeights, firstNonFinite, scaleWeights, subtractWeights,
  tensorView, WeightCodecError, weightedMeanWeights, weightNorm, WeightSetError, type TensorSpec,
} from './index';

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
const specs: TensorSpec[] = [
  { name: 'conv.weight', shape: [3, 3, 1, 2], trainable: true },
  { name: 'bn.running_mean', shape: [2], trainable: false },
  { name: 'fc.weight', shape: [2, 3], trainable: true },
];
const make = (f: (i: number) => number) => createWeightSet(specs, Float32Array.from({ length: 26 }, (_, i) => f(i)));

describe('weight-set arithmetic', () => {
  it('adds, subtracts, scales and averages element-wise', () => {
    const a = make((i) => i);
    const b = make((i) => 2 * i + 1);
    expect(Array.from(addWeights(a, b).data.subarray(0, 3))).toEqual([1, 4, 7]);
    expect(Array.from(subtractWeights(b, a).data.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(Array.from(scaleWeights(a, 0.5).data.subarray(0, 3))).toEqual([0, 0.5, 1]);
    const m = weightedMeanWeights([a, b], [3, 1]);
    expect(m.data[2]).toBeCloseTo((3 * 2 + 5) / 4, 6);
    expect(tensorView(a, 'bn.running_mean')).toEqual(Float32Array.from([18, 19]));
  });
  it('norm over everything or trainable tensors only', () => {
    const a = make(() => 1);
    expect(weightNorm(a)).toBeCloseTo(Math.sqrt(26));
    expect(weightNorm(a, { trainableOnly: true })).toBeCloseTo(Math.sqrt(24));
  });
  it('finds non-finite tensors and rejects mismatched layouts', () => {
    const a = make(() => 1);
    expect(firstNonFinite(a)).toBeNull();
    a.data[20] = Number.NaN;
    expect(firstNonFinite(a)).toBe('fc.weight');
    const other = createWeightSet([{ name: 'x', shape: [26], trainable: true }]);
    expect(() => addWeights(a, other)).toThrow(WeightSetError);
    expect(() => createWeightSet(specs, new Float32Array(3))).toThrow(/needs 26 floats/);
  });
});

describe('weights codec', () => {
  const header = { model: 'cnn4conv', inputShape: [28, 28, 3] as [number, number, number], numClasses: 3, meta: { seed: 7, note: 'héllo ✓' } };
  it('round-trips bit-exactly with header and metadata', () => {
    const w = make((i) => Math.sin(i) * 1e-3);
    const bytes = encodeWeights(header, w, sha256);
    const back = decodeWeights(bytes, sha256);
    expect(back.header.model).toBe('cnn4conv');
    expect(back.header.meta).toEqual(header.meta);
    expect(back.header.tensors).toEqual(specs);
    expect(Array.from(back.weights.data)).toEqual(Array.from(w.data));
  });
  it('rejects corrupted, truncated and foreign files with clear errors', () => {
    const bytes = encodeWeights(header, make((i) => i), sha256);
    const flipped = bytes.slice();
    flipped[bytes.length - 40] = (flipped[bytes.length - 40] as number) ^ 1;
    expect(() => decodeWeights(flipped, sha256)).toThrow(/checksum mismatch/);
    expect(() => decodeWeights(bytes.subarray(0, bytes.length - 5), sha256)).toThrow(/truncated/);
    expect(() => decodeWeights(bytes.subarray(0, 10), sha256)).toThrow(/truncated/);
    const foreign = bytes.slice();
    foreign[0] = 0x50;
    expect(() => decodeWeights(foreign, sha256)).toThrow(/bad magic/);
    const v2 = bytes.slice();
    v2[8] = 2;
    expect(() => decodeWeights(v2, sha256)).toThrow(WeightCodecError);
    expect(() => decodeWeights(v2, sha256)).toThrow(/version 2/);
    const badJson = bytes.slice();
    badJson[16] = 0x7b + 1;
    expect(() => decodeWeights(badJson, sha256)).toThrow(/header/);
  });
});
