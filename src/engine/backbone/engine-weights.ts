/**
 * The weights of a backbone that this engine exported (export-tfjs.ts; model.json names the
 * engine model in its metadata), read back into the engine's weight layout so the network can
 * be fine-tuned (its last block, or all of it) rather than only topped with a head. Plain file
 * parsing, no tfjs: the main process uses it to start a fine-tuning workspace. The classifier is
 * not part of a backbone: it starts from the seeded initialisation.
 */
import { tensorView, type WeightSet } from '../../core/weights';
import { getModel } from '../models/registry';
import type { ModelConfig } from '../models/types';
import { readTfjsFiles } from './tfjs-backbone';
import { BackboneError } from './types';

/** [height, width, channels] of the export's input: its metadata, else the input layer's config. */
function inputShapeOf(metadata: Record<string, unknown>, topology: Record<string, unknown>): [number, number, number] | null {
  const m = metadata['inputShape'];
  if (Array.isArray(m) && m.length === 3 && m.every((x) => Number.isInteger(x))) return m as [number, number, number];
  const layers = ((topology['config'] as { layers?: { config?: { batch_input_shape?: unknown[] } }[] } | undefined)?.layers ?? []);
  const shape = layers[0]?.config?.batch_input_shape;
  if (Array.isArray(shape) && shape.length === 4 && shape.slice(1).every((x) => Number.isInteger(x))) return shape.slice(1) as [number, number, number];
  return null;
}

export interface EngineExport {
  config: ModelConfig;
  weights: WeightSet;
  /** Prefixes of every block but the last: what fine-tuning the last block holds fixed. */
  allButLastBlock: string[];
}

export function engineWeightsFromBackbone(modelJson: string, numClasses: number, seed: number): EngineExport {
  const { metadata, specs, weightFiles, topology } = readTfjsFiles(modelJson);
  const name = metadata['engineModel'];
  if (typeof name !== 'string') throw new BackboneError(`${modelJson} was not exported by this engine (no engineModel in its metadata): it can be used frozen, with a head, but not fine-tuned`);
  const shape = inputShapeOf(metadata, topology);
  if (!shape) throw new BackboneError(`${modelJson} does not say its input shape`);
  const config: ModelConfig = { name, height: shape[0], width: shape[1], channels: shape[2], numClasses };
  const def = getModel(name);
  const arch = def.describe(config);
  const weights = def.init(config, seed);
  // The manifest's tensors, in order, over the concatenated weight files (all float32 here).
  const all = Buffer.concat(weightFiles);
  const byName = new Map<string, Float32Array>();
  let offset = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (s.dtype !== undefined && s.dtype !== 'float32') throw new BackboneError(`${modelJson}: weight '${s.name}' is ${s.dtype}, an engine export holds float32`);
    byName.set(s.name, new Float32Array(all.buffer.slice(all.byteOffset + offset, all.byteOffset + offset + 4 * n)));
    offset += 4 * n;
  }
  const keras: Record<string, string> = { 'conv.weight': 'conv/kernel', 'conv.bias': 'conv/bias', 'bn.weight': 'bn/gamma', 'bn.bias': 'bn/beta', 'bn.running_mean': 'bn/moving_mean', 'bn.running_var': 'bn/moving_variance' };
  for (const b of arch.blocks) {
    for (const [ours, theirs] of Object.entries(keras)) {
      const from = `${b.prefix.replace(/\./g, '_')}_${theirs}`;
      const v = byName.get(from);
      const view = tensorView(weights, `${b.prefix}.${ours}`);
      if (!v) throw new BackboneError(`${modelJson} has no weight '${from}': it does not match ${name}`);
      if (v.length !== view.length) throw new BackboneError(`${modelJson}: '${from}' has ${v.length} values, ${name} needs ${view.length}`);
      view.set(v);
    }
  }
  return { config, weights, allButLastBlock: arch.blocks.slice(0, -1).map((b) => b.prefix) };
}
