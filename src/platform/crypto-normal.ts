// Differential privacy's noise on the server comes from the operating system's cryptographic
// generator (a seeded generator would let whoever knows the seed subtract the noise).
import { randomBytes } from 'node:crypto';
import { normalSampler } from '../core/privacy';

/** Uniform (0, 1) doubles from crypto.randomBytes, 53 bits each, drawn in 64 KB blocks. */
export function cryptoUniform(): () => number {
  let buf = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + 8 > buf.length) {
      buf = randomBytes(65_536);
      at = 0;
    }
    const hi = buf.readUInt32LE(at) >>> 5;
    const lo = buf.readUInt32LE(at + 4) >>> 6;
    at += 8;
    return (hi * 67_108_864 + lo + 0.5) / 9_007_199_254_740_992;
  };
}

export const cryptoNormal = (): (() => number) => normalSampler(cryptoUniform());
