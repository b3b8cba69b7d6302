import type * as tf from '@tensorflow/tfjs';
import type { ParamTensors } from './params';

export interface StepOutput {
  /** Gradient of the mean cross-entropy, flat in weight-set layout (0 for non-trainable tensors). */
  grad: Float32Array;
  loss: number;
  correct: number;
  /** Per conv block: batch mean and biased variance of the pre-BN activations, [2*C]. */
  batchStats: Float32Array[];
}

export interface ForwardOutput {
  logits: tf.Tensor2D;
  features: tf.Tensor2D;
}

/** One implementation of forward / training step for a ConvNetArch. */
export interface NetImpl {
  readonly kind: 'fast' | 'reference';
  forward(p: ParamTensors, x: tf.Tensor4D, train: boolean): ForwardOutput;
  step(p: ParamTensors, x: tf.Tensor4D, labels: Int32Array): StepOutput;
}
