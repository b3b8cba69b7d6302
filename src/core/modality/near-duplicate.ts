// Near-duplicate detection at import (issue 17), in two steps: a 64-bit difference hash (dHash)
// of each image's grey levels on a 9x8 grid finds candidates by Hamming distance; the mean
// absolute difference of the two 28x28 grey thumbnails, each centred on its own mean brightness,
// confirms them. The hash alone matches different fundus photographs (dark frame, bright disc:
// 94 pairs of distinct images within 6 bits on the shared folders); the same lesion saved at two
// sizes differs by 0.9 grey levels, the closest distinct pair by 6.6. A match is only ever
// reported, never merged: different photographs of one lesion can look alike.
import { boxResize } from './resize';

/** Hashes within this many differing bits (of 64) are candidates. */
export const NEAR_DUPLICATE_BITS = 8;
/** Candidates whose centred 28x28 grey thumbnails differ by at most this (mean, 0-255) are reported. */
export const NEAR_DUPLICATE_GREY = 3;
const THUMB = 28;

/** The 28x28 grey thumbnail, centred on its mean (a brightness shift is not a difference). */
export function greyThumbnail(pixels: Uint8Array, height: number, width: number, channels: number): Float32Array {
  const small = boxResize(pixels, height, width, channels, THUMB, THUMB);
  const out = new Float32Array(THUMB * THUMB);
  let mean = 0;
  for (let i = 0; i < out.length; i++) {
    const v = channels === 1 ? (small[i] as number) : 0.299 * (small[i * channels] as number) + 0.587 * (small[i * channels + 1] as number) + 0.114 * (small[i * channels + 2] as number);
    out[i] = v;
    mean += v;
  }
  mean /= out.length;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) - mean;
  return out;
}

export function thumbnailDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] as number) - (b[i] as number));
  return s / a.length;
}

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
