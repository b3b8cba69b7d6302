/**
 * Features of stored images through a backbone: uint8 pixels at the workspace's size, scaled as
 * the backbone expects and resized (bilinear) to its input where the sizes differ, in batches,
 * with progress. The result is the float set a head trains on (dataset.ts: Float32 inputs).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../dataset';
import { BackboneError, type Backbone } from './types';

export interface ExtractOptions {
  batchSize?: number;
  onProgress?(done: number, total: number): void;
  isCancelled?(): boolean;
}

/** Float NHWC batch at the backbone's input: scaled, channels matched, resized when needed. */
function backboneBatch(backbone: Backbone, data: ImageSet, idx: ArrayLike<number>): Float32Array {
  const { height: h, width: w, channels: c } = data;
  if (!(data.images instanceof Uint8Array)) throw new BackboneError('features are computed from stored pixels, not from other features');
  const [th, tw, tc] = backbone.info.inputShape;
  if (c !== tc && !(c === 1 && tc === 3)) throw new BackboneError(`the backbone takes ${tc}-channel images; this workspace stores ${c}-channel ones`);
  const per = h * w * c;
  const inv = backbone.info.inputScaling === 'centered' ? 2 / 255 : 1 / 255;
  const shift = backbone.info.inputScaling === 'centered' ? -1 : 0;
  const n = idx.length;
  const out = new Float32Array(n * h * w * tc);
  for (let b = 0; b < n; b++) {
    const s = (idx[b] as number) * per;
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < tc; k++) out[(b * h * w + p) * tc + k] = (data.images[s + p * c + (c === 1 ? 0 : k)] as number) * inv + shift;
    }
  }
  if (th === h && tw === w) return out;
  return tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(out, [n, h, w, tc]), [th, tw], true).dataSync() as Float32Array);
}

export async function extractFeatures(backbone: Backbone, data: ImageSet, indices: ArrayLike<number>, o: ExtractOptions = {}): Promise<Float32Array> {
  const D = backbone.info.featureDim;
  const bs = o.batchSize ?? 128;
  const out = new Float32Array(indices.length * D);
  for (let start = 0; start < indices.length; start += bs) {
    if (o.isCancelled?.()) throw new BackboneError('feature extraction was cancelled');
    const idx = Array.from({ length: Math.min(bs, indices.length - start) }, (_, i) => indices[start + i] as number);
    const f = await backbone.run(backboneBatch(backbone, data, idx), idx.length);
    if (f.length !== idx.length * D) throw new BackboneError(`the backbone returned ${f.length} values for ${idx.length} images of ${D} features`);
    for (const v of f) if (!Number.isFinite(v)) throw new BackboneError('the backbone produced a non-finite feature (NaN or infinity): its weights or input scaling are wrong');
    out.set(f, start * D);
    o.onProgress?.(start + idx.length, indices.length);
  }
  return out;
}

/** The float set a head trains on: one [1, 1, D] "image" per stored image, same labels. */
export function featureSet(features: Float32Array, labels: Int32Array, featureDim: number): ImageSet {
  return { images: features, labels, count: labels.length, height: 1, width: 1, channels: featureDim };
}
