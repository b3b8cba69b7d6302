// Model weights on disk: the current model as a raw float32 blob named by its sha256 (the
// federation's own blob format), and exports in the engine's versioned binary format or as a
// tfjs weights manifest (model.json + weights.bin).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { sha256Hex } from '../../../platform/hash';
import { writeFileAtomicSync, writePrivateFileSync } from '../../../platform/private-fs';
import path from 'node:path';
import { encodeWeights, type TensorSpec } from '../../../core/weights';
import { decodeModelBlob, encodeModelBlob } from '../../../shared/wire';
import type { EngineModel } from '../../../engine/trainer';

export class ModelFiles {
  constructor(readonly dir: string) {}

  /** Stores weights (content addressed) and returns their hash. */
  save(weights: Float32Array): string {
    const bytes = encodeModelBlob(weights);
    const hash = sha256Hex(bytes);
    const file = path.join(this.dir, `${hash}.f32`);
    if (!existsSync(file)) writeFileAtomicSync(file, bytes);
    return hash;
  }

  load(hash: string): Float32Array {
    const bytes = readFileSync(path.join(this.dir, `${hash}.f32`));
    if (sha256Hex(bytes) !== hash) throw new Error(`stored model ${hash.slice(0, 12)}… is damaged (hash mismatch)`);
    return decodeModelBlob(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  }
}

export function exportBinary(dir: string, task: EngineModel, specs: readonly TensorSpec[], weights: Float32Array, meta: Record<string, string | number | boolean>): string[] {
  mkdirSync(dir, { recursive: true });
  const bytes = encodeWeights(
    { model: task.model, inputShape: task.inputShape, numClasses: task.numClasses, meta },
    { specs, data: weights },
    (b) => new Uint8Array(createHash('sha256').update(b).digest()),
  );
  const file = path.join(dir, 'model.ffw');
  writePrivateFileSync(file, bytes);
  return [file];
}

/**
 * tfjs weights manifest: model.json (format 'fairfal-weights', the architecture by name and
 * config, and a standard `weightsManifest`) + weights.bin, loadable with tf.io.loadWeights.
 */
export function exportTfjs(dir: string, task: EngineModel, specs: readonly TensorSpec[], weights: Float32Array, classNames: readonly string[]): string[] {
  mkdirSync(dir, { recursive: true });
  const modelJson = {
    format: 'fairfal-weights',
    generatedBy: 'FairFAL Annotator',
    convertedBy: null,
    modelTopology: { name: task.model, inputShape: task.inputShape, numClasses: task.numClasses, classNames },
    weightsManifest: [{ paths: ['weights.bin'], weights: specs.map((s) => ({ name: s.name, shape: [...s.shape], dtype: 'float32' })) }],
  };
  const json = path.join(dir, 'model.json');
  const bin = path.join(dir, 'weights.bin');
  writePrivateFileSync(json, JSON.stringify(modelJson, null, 2));
  writePrivateFileSync(bin, encodeModelBlob(weights));
  return [json, bin];
}
