import * as tf from '@tensorflow/tfjs';
import { layoutOffsets, specSize, type WeightSet } from '../../core/weights';

export type ParamTensors = Record<string, tf.Tensor>;

/** Copy a weight set into backend tensors (one memcpy each; ~0.5 MB for CNN4Conv). */
export function uploadParams(ws: WeightSet): ParamTensors {
  const out: ParamTensors = {};
  const offs = layoutOffsets(ws.specs);
  ws.specs.forEach((s, i) => {
    const o = offs[i] as number;
    out[s.name] = tf.tensor(ws.data.subarray(o, o + specSize(s)), [...s.shape], 'float32');
  });
  return out;
}

export function disposeParams(p: ParamTensors): void {
  for (const t of Object.values(p)) t.dispose();
}

export function param(p: ParamTensors, name: string): tf.Tensor {
  const t = p[name];
  if (!t) throw new Error(`missing parameter tensor '${name}'`);
  return t;
}
