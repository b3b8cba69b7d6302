import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng';
import { augmentInto, type AugmentOptions } from './augment';

const H = 4;
const W = 4;
// One channel holding its pixel's index: where each output pixel came from is readable.
const src = Uint8Array.from({ length: H * W }, (_, i) => i * 10);
const run = (a: AugmentOptions, seed: number) => {
  const out = new Float32Array(H * W);
  augmentInto(src, 0, out, 0, H, W, 1, createRng(seed), a, 1, 0);
  return Array.from(out);
};
const none: AugmentOptions = { hflip: false, vflip: false, rot90: false, jitter: 0, cropScale: 1 };

describe('augmentInto', () => {
  it('is the identity with nothing switched on', () => {
    expect(run(none, 1)).toEqual(Array.from(src));
  });

  it('only ever permutes pixels under flips and quarter turns, and reaches all 8 symmetries', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const out = run({ ...none, hflip: true, vflip: true, rot90: true }, seed);
      expect([...out].sort((a, b) => a - b)).toEqual(Array.from(src));
      seen.add(out.join(','));
    }
    expect(seen.size).toBe(8);
  });

  it('keeps crops inside the image and jittered values in 0..255', () => {
    for (let seed = 0; seed < 50; seed++) {
      const out = run({ ...none, cropScale: 0.5, jitter: 0.3 }, seed);
      for (const v of out) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(255);
      }
    }
    // A crop zooms in: the output's spread of source positions shrinks on average.
    const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    let total = 0;
    for (let seed = 0; seed < 50; seed++) total += spread(run({ ...none, cropScale: 0.3 }, seed));
    expect(total / 50).toBeLessThan(spread(Array.from(src)));
  });
});
