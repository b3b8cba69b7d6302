/**
 * The same network from stock tfjs ops with autodiff. Used on the tensorflow (tfjs-node)
 * backend, where every gradient kernel is native, and as the oracle the fast path is tested
 * against on the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { BN_EPS, type ConvNetArch } from '../models/types';
import { flattenGrads } from './fast-net';
import { residualEnds, toFeatures } from './feature-head';
import { param, type ParamTensors } from './params';
import type { ForwardOutput, NetImpl, StepOutput } from './types';

export function createReferenceNet(arch: ConvNetArch): NetImpl {
  const trainable = arch.specs.filter((s) => s.trainable).map((s) => s.name);
  const ends = residualEnds(arch);

  function forward(p: ParamTensors, x: tf.Tensor4D, train: boolean, stats?: tf.Tensor[]): ForwardOutput {
    let act: tf.Tensor4D = x;
    const inputs: tf.Tensor4D[] = [];
    for (const [i, b] of arch.blocks.entries()) {
      inputs.push(act);
      const z = tf.add(tf.conv2d(act, param(p, `${b.prefix}.conv.weight`) as tf.Tensor4D, 1, 'same'), param(p, `${b.prefix}.conv.bias`)) as tf.Tensor4D;
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (train) {
        ({ mean, variance } = tf.moments(z, [0, 1, 2]));
        stats?.push(tf.keep(tf.concat([mean, variance])));
      } else {
        mean = param(p, `${b.prefix}.bn.running_mean`);
        variance = param(p, `${b.prefix}.bn.running_var`);
      }
      const y = tf.batchNorm(z, mean, variance, param(p, `${b.prefix}.bn.bias`), param(p, `${b.prefix}.bn.weight`), BN_EPS);
      const relu = tf.relu(y) as tf.Tensor4D;
      act = b.pool === false ? relu : (tf.maxPool(relu, 2, 2, 'valid') as tf.Tensor4D);
      const shortcut = ends.get(i);
      if (shortcut) act = tf.add(act, inputs[shortcut.from] as tf.Tensor4D) as tf.Tensor4D;
    }
    const features = toFeatures(arch, act);
    const logits = tf.add(tf.matMul(features, param(p, 'fc.weight') as tf.Tensor2D), param(p, 'fc.bias')) as tf.Tensor2D;
    return { logits, features };
  }

  return {
    kind: 'reference',
    forward: (p, x, train) => forward(p, x, train),
    step(p, x, labels): StepOutput {
      return tf.tidy(() => {
        const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), arch.config.numClasses);
        const stats: tf.Tensor[] = [];
        let logitsOut: tf.Tensor | null = null;
        const f = (...ts: tf.Tensor[]) => {
          const q: ParamTensors = { ...p };
          trainable.forEach((name, i) => {
            q[name] = ts[i] as tf.Tensor;
          });
          stats.length = 0;
          const { logits } = forward(q, x, true, stats);
          logitsOut = tf.keep(logits);
          return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
        };
        const { value, grads } = tf.valueAndGrads(f)(trainable.map((n) => param(p, n)));
        const g = new Map<string, Float32Array>();
        trainable.forEach((name, i) => g.set(name, (grads[i] as tf.Tensor).dataSync() as Float32Array));
        const pred = tf.argMax(logitsOut as unknown as tf.Tensor, 1).dataSync();
        let correct = 0;
        labels.forEach((y, i) => {
          if (pred[i] === y) correct++;
        });
        (logitsOut as unknown as tf.Tensor).dispose();
        const batchStats = stats.map((s) => s.dataSync() as Float32Array);
        tf.dispose(stats);
        return { grad: flattenGrads(arch, g), loss: value.dataSync()[0] as number, correct, batchStats };
      });
    },
  };
}
