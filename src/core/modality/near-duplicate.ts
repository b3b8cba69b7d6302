// Near-duplicate detection at import (issue 17): a 64-bit difference hash (dHash) of each image's
// grey levels on a 9x8 grid, compared by Hamming distance. The same lesion saved at two sizes or
// re-compressed lands within a few bits; different images of one lesion (HAM10000 has several)
// often do too, which is why a match is only ever reported, never merged.
import { boxResize } from './resize';

/** Hashes within this many differing bits (of 64) are reported as near-duplicates. */
export const NEAR_DUPLICATE_BITS = 6;

/** dHash of an RGB or grey image (HWC uint8) as two 32-bit halves. */
export function differenceHash(pixels: Uint8Array, height: number, width: number, channels: number): [number, number] {
  const grid = boxResize(pixels, height, width, channels, 8, 9);
  const grey = (y: number, x: number) => {
    const i = (y * 9 + x) * channels;
    return channels === 1 ? (grid[i] as number) : 0.299 * (grid[i] as number) + 0.587 * (grid[i + 1] as number) + 0.114 * (grid[i + 2] as number);
  };
  let hi = 0;
  let lo = 0;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const bit = grey(y, x) > grey(y, x + 1) ? 1 : 0;
      const k = y * 8 + x;
      if (k < 32) hi = (hi | (bit << k)) >>> 0;
      else lo = (lo | (bit << (k - 32))) >>> 0;
    }
  }
  return [hi, lo];
}

function popcount(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function hammingDistance(a: readonly [number, number], b: readonly [number, number]): number {
  return popcount((a[0] ^ b[0]) >>> 0) + popcount((a[1] ^ b[1]) >>> 0);
}
