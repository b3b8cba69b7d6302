/**
 * The weights of a backbone that this engine exported (export-tfjs.ts; model.json names the
 * engine model in its metadata), read back into the engine's weight layout so the network can
 * be fine-tuned (its last block, or all of it) rather than only topped with a head. The
 * classifier is not part of a backbone: it starts from the seeded initialisation.
 */
import type * as tf from '@tensorflow/tfjs';
import { tensorView, type WeightSet } from '../../core/weights';
import { getModel } from '../models/registry';
import type { ModelConfig } from '../models/types';
import { loadTfjsLayers } from './tfjs-backbone';
import { BackboneError } from './types';

export async function engineWeightsFromBackbone(modelJson: string, numClasses: number, seed: number): Promise<{ config: ModelConfig; weights: WeightSet }> {
  const { model, metadata } = await loadTfjsLayers(modelJson);
  try {
    const name = metadata['engineModel'];
    if (typeof name !== 'string') throw new BackboneError(`${modelJson} was not exported by this engine (no engineModel in its metadata): it can be used frozen, with a head, but not fine-tuned`);
    const shape = model.inputs[0]?.shape ?? [];
    const config: ModelConfig = { name, height: shape[1] as number, width: shape[2] as number, channels: shape[3] as number, numClasses };
    const def = getModel(name);
    const arch = def.describe(config);
    const weights = def.init(config, seed);
    for (const b of arch.blocks) {
      const layer = (suffix: string) => {
        try {
          return model.getLayer(`${b.prefix.replace(/\./g, '_')}_${suffix}`).getWeights();
        } catch {
          throw new BackboneError(`${modelJson} has no layer for block '${b.prefix}' (${suffix}): it does not match ${name}`);
        }
      };
      const put = (names: string[], values: tf.Tensor[]) =>
        names.forEach((n, i) => {
          const view = tensorView(weights, `${b.prefix}.${n}`);
          const v = values[i]?.dataSync();
          if (!v || v.length !== view.length) throw new BackboneError(`${modelJson}: '${b.prefix}.${n}' has ${v?.length ?? 0} values, ${name} needs ${view.length}`);
          view.set(v);
        });
      put(['conv.weight', 'conv.bias'], layer('conv'));
      put(['bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var'], layer('bn'));
    }
    return { config, weights };
  } finally {
    model.dispose();
  }
}
