/**
 * Writes an engine model's feature extractor (every block, up to and including the feature head,
 * without the classifier) as a TensorFlow.js layers model: model.json + weights.bin, what
 * loadTfjsBackbone reads. This is how a project trains and shares its own backbone (e.g. one
 * pretrained on a public fundus set); the features equal the engine's own eval-mode features.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tensorView, type WeightSet } from '../../core/weights';
import { BN_EPS, type ConvNetArch } from '../models/types';

export interface ExportOptions {
  description: string;
}

function featureModel(arch: ConvNetArch, ws: WeightSet): tf.LayersModel {
  const { height, width, channels } = arch.config;
  const input = tf.input({ shape: [height, width, channels], name: 'pixels' });
  const inputs: tf.SymbolicTensor[] = [];
  let act = input;
  const setters: (() => void)[] = [];
  arch.blocks.forEach((b, i) => {
    inputs.push(act);
    const name = b.prefix.replace(/\./g, '_');
    const conv = tf.layers.conv2d({ filters: b.cout, kernelSize: 3, padding: 'same', useBias: true, name: `${name}_conv` });
    const bn = tf.layers.batchNormalization({ axis: -1, epsilon: BN_EPS, name: `${name}_bn` });
    act = tf.layers.reLU({ name: `${name}_relu` }).apply(bn.apply(conv.apply(act))) as tf.SymbolicTensor;
    if (b.pool !== false) act = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: `${name}_pool` }).apply(act) as tf.SymbolicTensor;
    const r = (arch.residuals ?? []).find((x) => x.to === i);
    if (r) act = tf.layers.add({ name: `${name}_add` }).apply([act, inputs[r.from] as tf.SymbolicTensor]) as tf.SymbolicTensor;
    const t = (suffix: string, shape: number[]) => tf.tensor(tensorView(ws, `${b.prefix}.${suffix}`), shape);
    setters.push(() => {
      conv.setWeights([t('conv.weight', [3, 3, b.cin, b.cout]), t('conv.bias', [b.cout])]);
      bn.setWeights([t('bn.weight', [b.cout]), t('bn.bias', [b.cout]), t('bn.running_mean', [b.cout]), t('bn.running_var', [b.cout])]);
    });
  });
  // The engine's features: global average, or PyTorch's NCHW flatten (permute to channels first).
  const features =
    arch.head === 'global-avg'
      ? tf.layers.globalAveragePooling2d({ name: 'features' }).apply(act)
      : tf.layers.flatten({ name: 'features' }).apply(tf.layers.permute({ dims: [3, 1, 2], name: 'to_nchw' }).apply(act));
  const model = tf.model({ inputs: input, outputs: features as tf.SymbolicTensor, name: 'backbone' });
  for (const set of setters) set();
  return model;
}

/** Writes model.json and weights.bin into `dir` (created), each through a temporary file. */
export async function exportTfjsBackbone(arch: ConvNetArch, ws: WeightSet, dir: string, o: ExportOptions): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const model = featureModel(arch, ws);
  const modelJson = path.join(dir, 'model.json');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const bytes = new Uint8Array(Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : (data as ArrayBuffer));
      writeFileSync(path.join(dir, 'weights.bin.tmp'), bytes);
      renameSync(path.join(dir, 'weights.bin.tmp'), path.join(dir, 'weights.bin'));
      const json = {
        format: 'layers-model',
        generatedBy: `FairFAL Annotator (TensorFlow.js ${tf.version.tfjs})`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        userDefinedMetadata: { inputScaling: arch.config.inputScaling ?? 'unit', description: o.description, engineModel: arch.config.name, inputShape: [arch.config.height, arch.config.width, arch.config.channels] },
      };
      writeFileSync(`${modelJson}.tmp`, JSON.stringify(json));
      renameSync(`${modelJson}.tmp`, modelJson);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return modelJson;
}
