/**
 * Weights on disk: the versioned, sha256-checked FairFAL format (core/weights/codec) and a tfjs
 * `model.json` + `.bin` export (weightsManifest) for interoperability with tfjs tooling.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeWeights, encodeWeights, layoutSize, type DecodedWeights, type WeightsHeader, type WeightSet } from '../../core/weights';

export const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

export function encodeWeightsFile(header: Omit<WeightsHeader, 'tensors' | 'dtype'>, ws: WeightSet): Uint8Array {
  return encodeWeights(header, ws, sha256);
}

export function decodeWeightsFile(bytes: Uint8Array): DecodedWeights {
  return decodeWeights(bytes, sha256);
}

export async function saveWeights(file: string, header: Omit<WeightsHeader, 'tensors' | 'dtype'>, ws: WeightSet): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  // Write-then-rename so a crash never leaves a half-written checkpoint under the real name.
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, encodeWeightsFile(header, ws));
  await rename(tmp, file);
}

export async function loadWeights(file: string): Promise<DecodedWeights> {
  return decodeWeightsFile(new Uint8Array(await readFile(file)));
}

export interface TfjsManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface TfjsModelJson {
  format: 'fairfal-weights';
  generatedBy: string;
  convertedBy: null;
  modelTopology: { fairfal: Omit<WeightsHeader, 'tensors' | 'dtype'> & { trainable: Record<string, boolean> } };
  weightsManifest: { paths: string[]; weights: TfjsManifestEntry[] }[];
}

/** model.json + weights.bin in tfjs's weightsManifest format (readable by tf.io.loadWeights / decodeWeights). */
export async function exportTfjs(dir: string, header: Omit<WeightsHeader, 'tensors' | 'dtype'>, ws: WeightSet): Promise<{ modelJson: string; bin: string }> {
  await mkdir(dir, { recursive: true });
  const bin = path.join(dir, 'weights.bin');
  const modelJson = path.join(dir, 'model.json');
  const json: TfjsModelJson = {
    format: 'fairfal-weights',
    generatedBy: 'FairFAL Annotator engine',
    convertedBy: null,
    modelTopology: { fairfal: { ...header, trainable: Object.fromEntries(ws.specs.map((s) => [s.name, s.trainable])) } },
    weightsManifest: [{ paths: ['weights.bin'], weights: ws.specs.map((s) => ({ name: s.name, shape: [...s.shape], dtype: 'float32' })) }],
  };
  if (layoutSize(ws.specs) !== ws.data.length) throw new Error('weight set layout does not match its buffer');
  await writeFile(bin, new Uint8Array(ws.data.buffer, ws.data.byteOffset, ws.data.byteLength));
  await writeFile(modelJson, JSON.stringify(json, null, 2));
  return { modelJson, bin };
}
