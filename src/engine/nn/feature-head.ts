/**
 * The step from the last block's activations [N,H,W,C] to the feature vector the linear layer,
 * FairFAL's prototypes and its k-center distances read, and that step's gradient. Shared by the
 * fast and the reference nets so both define features identically.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConvNetArch, Residual } from '../models/types';

export function toFeatures(arch: ConvNetArch, act: tf.Tensor4D): tf.Tensor2D {
  const n = act.shape[0];
  if (arch.head === 'global-avg') return tf.mean(act, [1, 2]) as tf.Tensor2D;
  // PyTorch flattens NCHW; the transpose is a no-op copy at 1x1 and tiny otherwise.
  return (arch.final.h * arch.final.w === 1 ? act : tf.transpose(act, [0, 3, 1, 2])).reshape([n, arch.featureDim]) as tf.Tensor2D;
}

/** d loss / d (last block's output) from d loss / d features [N, featureDim]. */
export function featureGrad(arch: ConvNetArch, dfeat: tf.Tensor2D): tf.Tensor4D {
  const n = dfeat.shape[0];
  const { h, w, c } = arch.final;
  if (arch.head === 'global-avg') {
    // The mean spreads its gradient evenly over the h x w positions of each channel.
    return tf.mul(tf.ones([n, h, w, c]), tf.mul(dfeat, 1 / (h * w)).reshape([n, 1, 1, c])) as tf.Tensor4D;
  }
  return (h * w === 1 ? dfeat.reshape([n, h, w, c]) : tf.transpose(dfeat.reshape([n, c, h, w]), [0, 2, 3, 1])) as tf.Tensor4D;
}

/** For each block index, the residual whose shortcut ends after it (its output gets the input of `from` added). */
export function residualEnds(arch: ConvNetArch): Map<number, Residual> {
  return new Map((arch.residuals ?? []).map((r) => [r.to, r]));
}

/** For each block index, the residual whose shortcut starts at its input. */
export function residualStarts(arch: ConvNetArch): Map<number, Residual> {
  return new Map((arch.residuals ?? []).map((r) => [r.from, r]));
}
