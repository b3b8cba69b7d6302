/**
 * 3x3 'same' convolutions and their filter gradient through Winograd F(2x2, 3x3) (see
 * kernels/winograd-kernels.ts): 16 plain XNNPACK matmuls per conv instead of a direct conv,
 * 2.25x fewer multiplications. Used by the fast net on wide blocks when the wasm SIMD kernels
 * run; narrow first layers (3 input channels) and tiny late maps keep the direct conv.
 */
import * as tf from '@tensorflow/tfjs';
import { simdKernelsActive, runRaw } from '../kernels/raw-kernel';
import { WINO_FILTER, WINO_FILTER_GRAD, WINO_GRAD_OUT, WINO_GRAD_PRODUCTS, WINO_IN, WINO_OUT } from '../kernels/winograd-kernels';
import type { ConvBlockSpec } from '../models/types';

let enabled = true;

/** Switch the Winograd path off (tests compare it with the direct conv; a last-resort switch). */
export function setWinogradEnabled(on: boolean): void {
  enabled = on;
}

/** The 16 transformed-input (and 16 product) tensors of one conv stay under this; larger batches use the direct conv. */
const MAX_TILE_BYTES = 96 * 2 ** 20;

/**
 * Winograd pays off from 6x6 maps (tile padding wastes too much below) with channel counts the
 * SIMD kernels take, for a batch of n whose tiles fit the memory cap (e.g. 64x64 inputs at batch 256 do not).
 */
export function winogradApplies(b: ConvBlockSpec, n: number): boolean {
  const tileBytes = 16 * n * Math.ceil(b.h / 2) * Math.ceil(b.w / 2) * Math.max(b.cin, b.cout) * 4;
  return enabled && b.cin % 4 === 0 && b.cout % 16 === 0 && b.h * b.w >= 36 && tileBytes <= MAX_TILE_BYTES && simdKernelsActive();
}

/** conv2d(x, filter, 1, 'same'); also returns the transformed input tiles, which the filter gradient reuses. */
export function winogradConv(x: tf.Tensor4D, filter: tf.Tensor4D): { y: tf.Tensor4D; tiles: tf.Tensor2D[] } {
  const [n, h, w] = x.shape;
  const u = runRaw(WINO_FILTER, [filter]) as tf.Tensor2D[];
  const tiles = runRaw(WINO_IN, [x]) as tf.Tensor2D[];
  const m = tiles.map((v, i) => tf.matMul(v, u[i] as tf.Tensor2D));
  const [y] = runRaw(WINO_OUT, m, { n, h, w }) as [tf.Tensor4D];
  tf.dispose([...u, ...m]);
  return { y, tiles };
}

/** dW [3,3,Ci,Co] of the conv whose input tiles are `tiles`, from dZ [N,H,W,Co]. */
export function winogradFilterGrad(tiles: tf.Tensor2D[], dz: tf.Tensor4D): Float32Array {
  const dm = runRaw(WINO_GRAD_OUT, [dz]);
  const du = runRaw(WINO_GRAD_PRODUCTS, [...tiles, ...dm]);
  const [dg] = runRaw(WINO_FILTER_GRAD, du);
  const out = (dg as tf.Tensor).dataSync() as Float32Array;
  tf.dispose([...dm, ...du, dg as tf.Tensor]);
  return out;
}
