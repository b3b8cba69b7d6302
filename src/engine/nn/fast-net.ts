/**
 * Hand-written forward and backward for conv-block nets, built only from matmuls without
 * transpose flags (XNNPACK speed on wasm) and the one-pass raw kernels. No autodiff tape,
 * no Conv2DBackpropFilter (absent on wasm), no broadcasts on the hot path.
 */
import * as tf from '@tensorflow/tfjs';
import { createWeightSet, layoutOffsets, specSize } from '../../core/weights';
import { BN_RELU_POOL, BN_RELU_POOL_GRAD } from '../kernels/bn-kernels';
import { FILTER_FROM_T, FLIP_FILTER, IM2COL } from '../kernels/conv-kernels';
import { NCHW_FLAT_TO_NHWC, NHWC_TO_NCHW_FLAT, SOFTMAX_XENT } from '../kernels/loss-kernels';
import { runRaw } from '../kernels/raw-kernel';
import { BN_EPS, type ConvBlockSpec, type ConvNetArch } from '../models/types';
import { param, type ParamTensors } from './params';
import type { ForwardOutput, NetImpl, StepOutput } from './types';

interface BlockCache {
  block: ConvBlockSpec;
  patches: tf.Tensor;
  z: tf.Tensor;
  arg: tf.Tensor;
  stats: tf.Tensor;
}

interface FullForward extends ForwardOutput {
  caches: BlockCache[];
}

export function createFastNet(arch: ConvNetArch): NetImpl {
  const { final } = arch;
  const flatIsReshape = final.h * final.w === 1;

  function forwardFull(p: ParamTensors, x: tf.Tensor4D, train: boolean): FullForward {
    const n = x.shape[0];
    const caches: BlockCache[] = [];
    let act: tf.Tensor = x;
    for (const b of arch.blocks) {
      const [patches] = runRaw(IM2COL, [act]) as [tf.Tensor];
      const w = param(p, `${b.prefix}.conv.weight`).reshape([9 * b.cin, b.cout]) as tf.Tensor2D;
      const z = tf.matMul(patches as tf.Tensor2D, w);
      const [y, arg, stats] = runRaw(
        BN_RELU_POOL,
        [z, param(p, `${b.prefix}.conv.bias`), param(p, `${b.prefix}.bn.weight`), param(p, `${b.prefix}.bn.bias`),
          param(p, `${b.prefix}.bn.running_mean`), param(p, `${b.prefix}.bn.running_var`)],
        { n, h: b.h, w: b.w, train: train ? 1 : 0, eps: BN_EPS },
      ) as [tf.Tensor, tf.Tensor, tf.Tensor];
      caches.push({ block: b, patches, z, arg, stats });
      act = y;
    }
    const features = (flatIsReshape ? act.reshape([n, arch.featureDim]) : (runRaw(NHWC_TO_NCHW_FLAT, [act])[0] as tf.Tensor)) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(features, param(p, 'fc.weight') as tf.Tensor2D), param(p, 'fc.bias')) as tf.Tensor2D;
    return { logits, features, caches };
  }

  return {
    kind: 'fast',
    forward(p, x, train) {
      const { logits, features } = forwardFull(p, x, train);
      return { logits, features };
    },
    step(p, x, labels): StepOutput {
      const grads = new Map<string, Float32Array>();
      const batchStats: Float32Array[] = [];
      let loss = 0;
      let correct = 0;
      tf.tidy(() => {
        const n = x.shape[0];
        const { logits, features, caches } = forwardFull(p, x, true);
        const [dlogits, lc] = runRaw(SOFTMAX_XENT, [logits, tf.tensor1d(Float32Array.from(labels))]) as [tf.Tensor2D, tf.Tensor];
        const lcv = lc.dataSync();
        loss = lcv[0] as number;
        correct = lcv[1] as number;
        const fcW = param(p, 'fc.weight') as tf.Tensor2D;
        // Small [D,B]x[B,C] products: transpose flags cost nothing at this size.
        grads.set('fc.weight', tf.matMul(features, dlogits, true, false).dataSync() as Float32Array);
        grads.set('fc.bias', tf.sum(dlogits, 0).dataSync() as Float32Array);
        const dfeat = tf.matMul(dlogits, fcW, false, true);
        let dy: tf.Tensor = flatIsReshape
          ? dfeat.reshape([n, final.h, final.w, final.c])
          : (runRaw(NCHW_FLAT_TO_NHWC, [dfeat], { h: final.h, w: final.w, c: final.c })[0] as tf.Tensor);
        for (let i = caches.length - 1; i >= 0; i--) {
          const c = caches[i] as BlockCache;
          const b = c.block;
          const needInputGrad = i > 0;
          const [dz, dzT, dp] = runRaw(
            BN_RELU_POOL_GRAD,
            [dy, c.arg, c.z, param(p, `${b.prefix}.conv.bias`), param(p, `${b.prefix}.bn.weight`), c.stats],
            { n, h: b.h, w: b.w, eps: BN_EPS, needNhwc: needInputGrad ? 1 : 0 },
          ) as [tf.Tensor, tf.Tensor, tf.Tensor];
          const dwT = tf.matMul(dzT as tf.Tensor2D, c.patches as tf.Tensor2D);
          grads.set(`${b.prefix}.conv.weight`, runRaw(FILTER_FROM_T, [dwT])[0]?.dataSync() as Float32Array);
          const dpv = dp.dataSync() as Float32Array;
          grads.set(`${b.prefix}.bn.weight`, dpv.slice(0, b.cout));
          grads.set(`${b.prefix}.bn.bias`, dpv.slice(b.cout, 2 * b.cout));
          grads.set(`${b.prefix}.conv.bias`, dpv.slice(2 * b.cout, 3 * b.cout));
          batchStats[i] = c.stats.dataSync() as Float32Array;
          if (needInputGrad) {
            const [dpatch] = runRaw(IM2COL, [dz.reshape([n, b.h, b.w, b.cout])]) as [tf.Tensor2D];
            const [wflip] = runRaw(FLIP_FILTER, [param(p, `${b.prefix}.conv.weight`)]) as [tf.Tensor2D];
            dy = tf.matMul(dpatch, wflip).reshape([n, b.h, b.w, b.cin]);
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
