// Where a federation's initial weights come from (the server <-> engine seam, kept small):
//   1. a file given at creation: the engine's versioned weights file ("FFALWTS", sha256-checked)
//      or raw float32 little-endian values (the model blob format);
//   2. otherwise the engine's model registry: getModel(name).init(config, seed).
// Either way the result is one flat Float32Array in the engine's canonical tensor order.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeWeights, WEIGHTS_MAGIC } from '../../core/weights';
import { getModel, ModelConfigError } from '../../engine/models/registry';
import { decodeModelBlob, type FederationConfig } from '../../shared/wire';
import { BadRequestError } from './errors';
import { engineWeightsFromBackbone } from '../../engine/backbone/engine-weights';
import { sha256Of } from '../../engine/backbone/files';
import { readTfjsFiles } from '../../engine/backbone/tfjs-backbone';

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

function isEngineWeightsFile(bytes: Uint8Array): boolean {
  for (let i = 0; i < WEIGHTS_MAGIC.length; i++) if (bytes[i] !== WEIGHTS_MAGIC.charCodeAt(i)) return false;
  return true;
}

export function readInitialWeightsFile(file: string): Float32Array {
  const bytes = new Uint8Array(readFileSync(file));
  if (isEngineWeightsFile(bytes)) return decodeWeights(bytes, sha256).weights.data;
  try {
    return decodeModelBlob(bytes);
  } catch (e) {
    throw new BadRequestError(`initial weights file ${file}: ${(e as Error).message}`);
  }
}

/**
 * A federation that fine-tunes a pretrained network (config `pretrained`) starts from that
 * network's weights: read from the engine-exported model.json the admin gives, checked against
 * the config's sha256, architecture and input; the classifier is the seeded initialisation.
 */
export function pretrainedInitialWeights(config: FederationConfig, modelJson: string, seed: number): Float32Array {
  const spec = config.pretrained;
  if (!spec) throw new BadRequestError('this federation config names no pretrained network (its "pretrained" field)');
  let files: { raw: Buffer; weightFiles: Buffer[] };
  try {
    files = readTfjsFiles(modelJson);
  } catch (e) {
    throw new BadRequestError(`pretrained network ${modelJson}: ${(e as Error).message}`);
  }
  const sha = sha256Of([files.raw, ...files.weightFiles]);
  if (sha !== spec.sha256) throw new BadRequestError(`${modelJson} is ${sha.slice(0, 12)}…, the config names ${spec.sha256.slice(0, 12)}…`);
  let e;
  try {
    e = engineWeightsFromBackbone(modelJson, config.classNames.length, seed);
  } catch (err) {
    throw new BadRequestError(`pretrained network ${modelJson}: ${(err as Error).message}`);
  }
  const same = e.config.name === config.model.name.toLowerCase() && [e.config.height, e.config.width, e.config.channels].every((d, i) => d === config.model.inputShape[i]);
  if (!same) throw new BadRequestError(`${modelJson} is ${e.config.name} ${e.config.height}x${e.config.width}x${e.config.channels}; the config trains ${config.model.name} ${config.model.inputShape.join('x')}`);
  return e.weights.data;
}

/**
 * [start, end) offsets of the model's BatchNorm running variances: differential privacy's noise
 * covers them too, and a noised variance can go below zero, which post-processing clamps (that
 * costs no privacy). Empty when the registry does not know the model.
 */
export function varianceRanges(config: FederationConfig): [number, number][] {
  const [height, width, channels] = config.model.inputShape;
  let specs;
  try {
    specs = getModel(config.model.name.toLowerCase()).describe({ name: config.model.name.toLowerCase(), height, width, channels, numClasses: config.classNames.length }).specs;
  } catch {
    return [];
  }
  const out: [number, number][] = [];
  let offset = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (s.name.endsWith('running_var')) out.push([offset, offset + n]);
    offset += n;
  }
  return out;
}

/** Seeded init from the engine's model registry (model names are matched case-insensitively). */
export function engineInitialWeights(config: FederationConfig, seed: number): Float32Array {
  const [height, width, channels] = config.model.inputShape;
  try {
    const def = getModel(config.model.name.toLowerCase());
    // Each model checks its own input shape (images: 1 or 3 channels; a feature head: [1, 1, D]).
    return def.init({ name: def.name, height, width, channels, numClasses: config.classNames.length }, seed).data;
  } catch (e) {
    if (e instanceof ModelConfigError) throw new BadRequestError(`model ${config.model.name}: ${e.message}`);
    throw e;
  }
}
