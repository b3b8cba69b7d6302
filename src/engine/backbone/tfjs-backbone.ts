/**
 * A TensorFlow.js backbone: model.json (a layers model, as tf.LayersModel.save writes, or a
 * graph model from tensorflowjs_converter) and the weight files its manifest names, loaded from
 * memory so that no URL or file:// handler is involved and every path is checked.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { z } from 'zod';
import { INPUT_SCALINGS, type InputScaling } from '../models/types';
import { readBounded, sha256Of, siblingPath } from './files';
import { BackboneError, MAX_FEATURE_DIM, type Backbone, type BackboneFormat, type BackboneInfo } from './types';

const ModelJsonSchema = z.object({
  format: z.enum(['layers-model', 'graph-model']).optional(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.object({ paths: z.array(z.string().min(1)), weights: z.array(z.record(z.string(), z.unknown())) })).min(1),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  signature: z.record(z.string(), z.unknown()).optional(),
  userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
});

function concat(parts: Buffer[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out.buffer;
}

/**
 * NaN or infinite weights are refused at load: ReLU and max pooling can hide them in the
 * features (max(0, NaN) is 0 on some backends), so checking outputs alone is not enough.
 */
function checkFinite(specs: tf.io.WeightsManifestEntry[], weightData: ArrayBuffer, name: string): void {
  // Read in place (a DataView: a bool weight can leave later floats unaligned), no second copy.
  const all = new DataView(weightData);
  let offset = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const bytes = n * (s.dtype === 'bool' ? 1 : 4);
    if (s.quantization) return; // quantized weights are stored as integers: nothing to check here
    if (offset + bytes > all.byteLength) throw new BackboneError(`${name}: the weight files hold ${all.byteLength} bytes, fewer than its manifest lists (truncated?)`);
    if (s.dtype === 'float32' || s.dtype === undefined) {
      for (let at = offset; at < offset + bytes; at += 4) {
        if (!Number.isFinite(all.getFloat32(at, true))) throw new BackboneError(`${name}: weight '${s.name}' holds a non-finite value (NaN or infinity)`);
      }
    }
    offset += bytes;
  }
}

export interface TfjsFiles {
  raw: Buffer;
  weightFiles: Buffer[];
  format: BackboneFormat;
  handler: tf.io.IOHandler;
  metadata: Record<string, unknown>;
  /** Weight entries in file order (name, shape, dtype), as the manifest lists them. */
  specs: tf.io.WeightsManifestEntry[];
  topology: Record<string, unknown>;
}

export function readTfjsFiles(modelJson: string): TfjsFiles {
  const raw = readBounded(modelJson, 'model.json');
  let parsed;
  try {
    parsed = ModelJsonSchema.parse(JSON.parse(raw.toString('utf8')));
  } catch (e) {
    throw new BackboneError(`${path.basename(modelJson)} is not a TensorFlow.js model.json: ${e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (e as Error).message}`);
  }
  const weightFiles = parsed.weightsManifest.flatMap((g) => g.paths.map((p) => readBounded(siblingPath(modelJson, p), 'weight file')));
  const weightData = concat(weightFiles);
  checkFinite(parsed.weightsManifest.flatMap((g) => g.weights) as unknown as tf.io.WeightsManifestEntry[], weightData, path.basename(modelJson));
  const format: BackboneFormat = parsed.format === 'graph-model' ? 'tfjs-graph' : 'tfjs-layers';
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: parsed.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: parsed.weightsManifest.flatMap((g) => g.weights) as unknown as tf.io.WeightsManifestEntry[],
    weightData,
    ...(parsed.format ? { format: parsed.format } : {}),
    ...(parsed.signature ? { signature: parsed.signature } : {}),
    ...(parsed.userDefinedMetadata ? { userDefinedMetadata: parsed.userDefinedMetadata as Record<string, object> } : {}),
  };
  return { raw, weightFiles, format, handler: { load: async () => artifacts }, metadata: parsed.userDefinedMetadata ?? {}, specs: artifacts.weightSpecs ?? [], topology: parsed.modelTopology };
}

export async function loadTfjsBackbone(modelJson: string): Promise<Backbone> {
  const { raw, weightFiles, format, handler, metadata: meta } = readTfjsFiles(modelJson);
  let model: tf.LayersModel | tf.GraphModel;
  try {
    model = format === 'tfjs-graph' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  } catch (e) {
    throw new BackboneError(`${path.basename(modelJson)} could not be loaded as a TensorFlow.js ${format === 'tfjs-graph' ? 'graph' : 'layers'} model: ${(e as Error).message}`);
  }
  const shape = model.inputs[0]?.shape ?? [];
  const [h, w, c] = [shape[1], shape[2], shape[3]];
  if (model.inputs.length !== 1 || shape.length !== 4 || !h || !w || (c !== 1 && c !== 3)) {
    model.dispose();
    throw new BackboneError(`a backbone takes one image batch [n, height, width, 1 or 3]; ${path.basename(modelJson)} takes ${model.inputs.map((i) => `[${(i.shape ?? []).join(', ')}]`).join(', ')}`);
  }
  const scaling = (INPUT_SCALINGS as readonly unknown[]).includes(meta['inputScaling']) ? (meta['inputScaling'] as InputScaling) : 'unit';
  const run = async (batch: Float32Array, count: number): Promise<Float32Array> => {
    const out = tf.tidy(() => {
      const y = model.predict(tf.tensor4d(batch, [count, h, w, c])) as tf.Tensor;
      return y.reshape([count, -1]);
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
  // One probe image tells the feature length whatever the topology.
  const probe = await run(new Float32Array(h * w * c), 1);
  if (probe.length < 1 || probe.length > MAX_FEATURE_DIM) {
    model.dispose();
    throw new BackboneError(`${path.basename(modelJson)} gives ${probe.length} values per image; a backbone must end in a feature vector of 1..${MAX_FEATURE_DIM} (add global pooling)`);
  }
  const info: BackboneInfo = {
    format,
    sha256: sha256Of([raw, ...weightFiles]),
    inputShape: [h, w, c],
    inputScaling: scaling,
    featureDim: probe.length,
    description: typeof meta['description'] === 'string' ? meta['description'] : '',
  };
  return {
    info,
    run,
    close: async () => {
      model.dispose();
    },
  };
}
