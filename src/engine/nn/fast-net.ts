/**
 * Hand-written forward and backward for conv-block nets, built from ops the wasm backend runs
 * natively at full speed: XNNPACK conv2d (forward, and the input gradient as a conv with the
 * spatially flipped, in/out-swapped filter), matmuls without transpose flags (the filter
 * gradient over a transposed im2col; per-channel sums as ones[1,M] x X instead of the slow
 * axis-0 Sum), elementwise ops with [C] broadcasts, MaxPool and its native MaxPoolGrad.
 * No autodiff tape, no Conv2DBackpropFilter (absent on wasm), no Tile, no transposed matmuls
 * on the large tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { createWeightSet, layoutOffsets, specSize } from '../../core/weights';
import { BN_BACKWARD, BN_RELU, BN_RELU_POOL } from '../kernels/bn-affine-kernels';
import { CHANNEL_MOMENTS, POOL_RELU_BN_GRAD, RELU_BN_GRAD } from '../kernels/bn-kernels';
import { FLIP_FILTER, GEMM_TN, IM2COL, IM2COL_T, TRANSPOSE_2D } from '../kernels/conv-kernels';
import { runRaw, simdKernelsActive } from '../kernels/raw-kernel';
import { BN_EPS, type ConvBlockSpec, type ConvNetArch } from '../models/types';
import { featureGrad, residualEnds, residualStarts, toFeatures } from './feature-head';
import { param, type ParamTensors } from './params';
import { winogradApplies, winogradConv, winogradFilterGrad } from './winograd-conv';
import type { ForwardOutput, NetImpl, StepOutput } from './types';

interface BlockCache {
  block: ConvBlockSpec;
  input: tf.Tensor4D;
  z: tf.Tensor2D;
  mean: tf.Tensor;
  invStd: tf.Tensor;
  scale: tf.Tensor;
  relu: tf.Tensor4D;
  /** The block's own output (pooled, or the ReLU output where it has no pool), before any shortcut is added. */
  pooled: tf.Tensor4D;
  stats: tf.Tensor;
  /** Winograd input tiles of this block's conv, when it ran through Winograd (its filter gradient reuses them). */
  tiles: tf.Tensor2D[] | null;
}

interface FullForward extends ForwardOutput {
  caches: BlockCache[];
}

/** Spatially flipped filter with in/out channels swapped: [3,3,Ci,Co] -> [3,3,Co,Ci] (wasm's Reverse is very slow). */
function flipFilter(w: tf.Tensor4D): tf.Tensor4D {
  return (runRaw(FLIP_FILTER, [w]) as [tf.Tensor4D])[0];
}

/** With the SIMD kernels, im2col(x)^T dZ is one pass over both operands, nothing transposed or repacked. */
const simdGemmApplies = (cout: number) => cout % 16 === 0 && simdKernelsActive();

/**
 * dW [9Ci, Co] of a 3x3 'same' conv from its input [N,H,W,Ci] and dZ [NHW, Co], as one matmul
 * without transpose flags. wasm's matmul repacks its second operand each call, so that operand
 * should be the smaller one: im2colT(x) x dZ for wide inputs, (dZ^T x im2col(x))^T when 9Ci < Co.
 */
function filterGrad(input: tf.Tensor4D, dz: tf.Tensor2D, cin: number, cout: number, dzIsTransposed: boolean): Float32Array {
  if (!dzIsTransposed && simdGemmApplies(cout)) {
    const [patches] = runRaw(IM2COL, [input]) as [tf.Tensor2D];
    return (runRaw(GEMM_TN, [patches, dz]) as [tf.Tensor2D])[0].dataSync() as Float32Array;
  }
  const k = 9 * cin;
  if (k >= cout && !dzIsTransposed) {
    const [patchesT] = runRaw(IM2COL_T, [input]) as [tf.Tensor2D];
    return tf.matMul(patchesT, dz).dataSync() as Float32Array;
  }
  const [patches] = runRaw(IM2COL, [input]) as [tf.Tensor2D];
  const dzT = dzIsTransposed ? dz : (runRaw(TRANSPOSE_2D, [dz]) as [tf.Tensor2D])[0];
  const gT = tf.matMul(dzT, patches).dataSync() as Float32Array;
  const g = new Float32Array(k * cout);
  for (let o = 0; o < cout; o++) for (let i = 0; i < k; i++) g[i * cout + o] = gT[o * k + i] as number;
  return g;
}

/** BatchNorm affine + ReLU, then the 2x2 pool where the block has one: [relu, block output]. */
function bnRelu(b: ConvBlockSpec, z: tf.Tensor2D, scale: tf.Tensor, shift: tf.Tensor, n: number): [tf.Tensor4D, tf.Tensor4D] {
  const attrs = { n, h: b.h, w: b.w };
  if (b.pool === false) {
    const [relu] = runRaw(BN_RELU, [z, scale, shift], attrs) as [tf.Tensor4D];
    return [relu, relu];
  }
  return runRaw(BN_RELU_POOL, [z, scale, shift], attrs) as [tf.Tensor4D, tf.Tensor4D];
}

export function createFastNet(arch: ConvNetArch): NetImpl {
  const ends = residualEnds(arch);
  const starts = residualStarts(arch);

  function forwardTrain(p: ParamTensors, x: tf.Tensor4D): FullForward {
    const caches: BlockCache[] = [];
    let act = x;
    for (const [i, b] of arch.blocks.entries()) {
      const m = x.shape[0] * b.h * b.w;
      // The conv bias cancels inside training-mode BatchNorm; it only shifts the running mean.
      const filter = param(p, `${b.prefix}.conv.weight`) as tf.Tensor4D;
      const wino = winogradApplies(b, x.shape[0]) ? winogradConv(act, filter) : null;
      const z = (wino ? wino.y : tf.conv2d(act, filter, 1, 'same')).reshape([m, b.cout]) as tf.Tensor2D;
      const [moments] = runRaw(CHANNEL_MOMENTS, [z]) as [tf.Tensor2D];
      const [mean, variance] = tf.split(moments.reshape([2 * b.cout]), 2) as [tf.Tensor, tf.Tensor];
      const invStd = tf.rsqrt(tf.add(variance, BN_EPS));
      const scale = tf.mul(param(p, `${b.prefix}.bn.weight`), invStd);
      const shift = tf.sub(param(p, `${b.prefix}.bn.bias`), tf.mul(mean, scale));
      const [relu, pooled] = bnRelu(b, z, scale, shift, x.shape[0]);
      const stats = tf.concat([tf.add(mean, param(p, `${b.prefix}.conv.bias`)), variance]);
      caches.push({ block: b, input: act, z, mean, invStd, scale, relu, pooled, stats, tiles: wino?.tiles ?? null });
      const shortcut = ends.get(i);
      act = shortcut ? (tf.add(pooled, (caches[shortcut.from] as BlockCache).input) as tf.Tensor4D) : pooled;
    }
    const features = toFeatures(arch, act);
    const logits = tf.add(tf.matMul(features, param(p, 'fc.weight') as tf.Tensor2D), param(p, 'fc.bias')) as tf.Tensor2D;
    return { logits, features, caches };
  }

  /** Eval mode: BatchNorm folded into the conv (W*s, (b - mean)*s + beta), fused conv+bias+ReLU, then pool. */
  function forwardEval(p: ParamTensors, x: tf.Tensor4D): ForwardOutput {
    let act = x;
    const inputs: tf.Tensor4D[] = [];
    for (const [i, b] of arch.blocks.entries()) {
      inputs.push(act);
      const s = tf.mul(param(p, `${b.prefix}.bn.weight`), tf.rsqrt(tf.add(param(p, `${b.prefix}.bn.running_var`), BN_EPS)));
      const filter = tf.mul(param(p, `${b.prefix}.conv.weight`), s) as tf.Tensor4D;
      const bias = tf.add(tf.mul(tf.sub(param(p, `${b.prefix}.conv.bias`), param(p, `${b.prefix}.bn.running_mean`)), s), param(p, `${b.prefix}.bn.bias`));
      if (winogradApplies(b, x.shape[0])) {
        // Winograd conv, then bias + ReLU + pool in one pass (scale 1: BatchNorm is folded into the filter).
        const { y, tiles } = winogradConv(act, filter);
        tf.dispose(tiles);
        const z = y.reshape([x.shape[0] * b.h * b.w, b.cout]) as tf.Tensor2D;
        const [relu, out] = bnRelu(b, z, tf.onesLike(bias), bias, x.shape[0]);
        // Freed early: at large batches these maps dominate memory (the caller's tidy would free them later).
        tf.dispose(relu === out ? [y] : [y, relu]);
        act = out;
      } else {
        const y = tf.fused.conv2d({ x: act, filter, strides: 1, pad: 'same', bias, activation: 'relu' });
        act = b.pool === false ? y : tf.maxPool(y, 2, 2, 'valid');
      }
      const shortcut = ends.get(i);
      if (shortcut) act = tf.add(act, inputs[shortcut.from] as tf.Tensor4D) as tf.Tensor4D;
    }
    const features = toFeatures(arch, act);
    const logits = tf.add(tf.matMul(features, param(p, 'fc.weight') as tf.Tensor2D), param(p, 'fc.bias')) as tf.Tensor2D;
    return { logits, features };
  }

  return {
    kind: 'fast',
    forward(p, x, train) {
      if (!train) return forwardEval(p, x);
      const { logits, features, caches } = forwardTrain(p, x);
      tf.dispose(caches.flatMap((c) => [c.z, c.mean, c.invStd, c.scale, c.relu, c.stats, ...(c.tiles ?? [])]));
      return { logits, features };
    },
    step(p, x, labels): StepOutput {
      const grads = new Map<string, Float32Array>();
      const batchStats: Float32Array[] = [];
      let loss = 0;
      let correct = 0;
      tf.tidy(() => {
        const n = x.shape[0];
        const { logits, features, caches } = forwardTrain(p, x);
        const probs = tf.softmax(logits);
        const pv = probs.dataSync();
        const C = arch.config.numClasses;
        const dl = new Float32Array(n * C);
        for (let i = 0; i < n; i++) {
          const y = labels[i] as number;
          let best = 0;
          for (let c = 0; c < C; c++) {
            const v = pv[i * C + c] as number;
            if (v > (pv[i * C + best] as number)) best = c;
            dl[i * C + c] = (v - (c === y ? 1 : 0)) / n;
          }
          if (best === y) correct++;
          loss -= Math.log(Math.max(pv[i * C + y] as number, 1e-30));
        }
        loss /= n;
        const dlogits = tf.tensor2d(dl, [n, C]);
        // Tiny [D,B]x[B,C] products: transpose flags cost nothing at this size.
        grads.set('fc.weight', tf.matMul(features, dlogits, true, false).dataSync() as Float32Array);
        grads.set('fc.bias', tf.sum(dlogits, 0).dataSync() as Float32Array);
        const dfeat = tf.matMul(dlogits, param(p, 'fc.weight') as tf.Tensor2D, false, true);
        let dy = featureGrad(arch, dfeat as tf.Tensor2D);
        // Gradients that reach a block's input through a shortcut, added once its own path is done.
        const skipGrads = new Map<number, tf.Tensor4D>();
        for (let i = caches.length - 1; i >= 0; i--) {
          const c = caches[i] as BlockCache;
          const b = c.block;
          const m = n * b.h * b.w;
          const shortcut = ends.get(i);
          if (shortcut) skipGrads.set(shortcut.from, dy);
          const [dPre, sums] = (
            b.pool === false
              ? runRaw(RELU_BN_GRAD, [dy, c.relu, c.z, c.mean])
              : runRaw(POOL_RELU_BN_GRAD, [dy, c.relu, c.pooled, c.z, c.mean], { n, h: b.h, w: b.w })
          ) as [tf.Tensor2D, tf.Tensor2D];
          const [dBeta, sumCentered] = tf.split(sums.reshape([2 * b.cout]), 2) as [tf.Tensor, tf.Tensor];
          const dGamma = tf.mul(sumCentered, c.invStd);
          // dz = scale * (dPre - dBeta/m - xhat*dGamma/m), xhat = (z - mean)*invStd, as dPre*scale + z*k3 + k0
          const k3 = tf.mul(tf.mul(c.scale, c.invStd), tf.mul(dGamma, -1 / m));
          const k0 = tf.sub(tf.mul(c.scale, tf.mul(dBeta, -1 / m)), tf.mul(c.mean, k3));
          // The first block needs no input gradient, only dZ^T for its filter gradient when 9Ci < Co.
          const transposed = i === 0 && 9 * b.cin < b.cout && !simdGemmApplies(b.cout);
          const [dz] = runRaw(BN_BACKWARD, [dPre, c.z, c.scale, k3, k0], { transposed: transposed ? 1 : 0 }) as [tf.Tensor2D];
          const dz4 = dz.reshape([n, b.h, b.w, b.cout]) as tf.Tensor4D;
          grads.set(`${b.prefix}.conv.weight`, c.tiles ? winogradFilterGrad(c.tiles, dz4) : filterGrad(c.input, dz, b.cin, b.cout, transposed));
          // sum(dz) is exactly 0 in training-mode BatchNorm (sum of xhat is 0): the conv bias gets no gradient.
          grads.set(`${b.prefix}.conv.bias`, new Float32Array(b.cout));
          grads.set(`${b.prefix}.bn.weight`, dGamma.dataSync() as Float32Array);
          grads.set(`${b.prefix}.bn.bias`, dBeta.dataSync() as Float32Array);
          batchStats[i] = c.stats.dataSync() as Float32Array;
          if (i > 0) {
            const flipped = flipFilter(param(p, `${b.prefix}.conv.weight`) as tf.Tensor4D);
            if (winogradApplies(b, n)) {
              const { y, tiles } = winogradConv(dz4, flipped);
              tf.dispose(tiles);
              dy = y;
            } else {
              dy = tf.conv2d(dz4, flipped, 1, 'same');
            }
            const skip = starts.has(i) ? skipGrads.get(i) : undefined;
            if (skip) dy = tf.add(dy, skip) as tf.Tensor4D;
          }
        }
      });
      return { grad: flattenGrads(arch, grads), loss, correct, batchStats };
    },
  };
}

/** Flat gradient in weight-set layout; tensors without a gradient (buffers) stay 0. */
export function flattenGrads(arch: ConvNetArch, grads: Map<string, Float32Array>): Float32Array {
  const ws = createWeightSet(arch.specs);
  const offs = layoutOffsets(arch.specs);
  arch.specs.forEach((s, i) => {
    const g = grads.get(s.name);
    if (!g) return;
    if (g.length !== specSize(s)) throw new Error(`gradient for '${s.name}' has ${g.length} values, expected ${specSize(s)}`);
    ws.data.set(g, offs[i]);
  });
  return ws.data;
}
