/**
 * In-memory image set (N x H x W x C) as the engine consumes it, plus batch assembly. Pixels
 * are uint8; a Float32Array holds inputs computed once elsewhere (a pretrained backbone's
 * features, engine/backbone), which batches carry as they are: no scaling, no augmentation.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import type { InputScaling } from './models/types';
import { augmentInto, type AugmentOptions } from './data/augment';

export type Pixels = Uint8Array | Float32Array;

export interface ImageSet {
  images: Pixels;
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

export function validateImageSet(d: ImageSet): void {
  const per = d.height * d.width * d.channels;
  if (d.images.length !== d.count * per) {
    throw new DatasetError(`image buffer holds ${d.images.length} values, expected ${d.count} x ${d.height}x${d.width}x${d.channels}`);
  }
  if (d.labels.length !== d.count) throw new DatasetError(`${d.labels.length} labels for ${d.count} images`);
}

export function validateIndices(d: ImageSet, indices: ArrayLike<number>): void {
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= d.count) throw new DatasetError(`sample index ${v} is outside 0..${d.count - 1}`);
  }
}

/**
 * Float batch, NHWC, scaled as `scaling` says ([0, 1] by default, as torchvision's ToTensor),
 * optionally flipping each image left-right with probability 1/2 (RandomHorizontalFlip), or,
 * with `augment`, augmented as it says (data/augment.ts; `flipRng` then drives all of it).
 */
export function makeBatch(d: ImageSet, idx: ArrayLike<number>, flipRng: Rng | null, scaling: InputScaling = 'unit', augment?: AugmentOptions): { x: tf.Tensor4D; labels: Int32Array } {
  const { height: h, width: w, channels: c } = d;
  const per = h * w * c;
  const out = new Float32Array(idx.length * per);
  const labels = new Int32Array(idx.length);
  const inv = scaling === 'centered' ? 2 / 255 : 1 / 255;
  const shift = scaling === 'centered' ? -1 : 0;
  if (d.images instanceof Float32Array) {
    for (let b = 0; b < idx.length; b++) {
      const s = (idx[b] as number) * per;
      labels[b] = d.labels[idx[b] as number] as number;
      out.set(d.images.subarray(s, s + per), b * per);
    }
    return { x: tf.tensor4d(out, [idx.length, h, w, c]), labels };
  }
  const pixels = d.images;
  for (let b = 0; b < idx.length; b++) {
    const s = (idx[b] as number) * per;
    const o = b * per;
    labels[b] = d.labels[idx[b] as number] as number;
    if (augment && flipRng) {
      augmentInto(pixels, s, out, o, h, w, c, flipRng, augment, inv, shift);
      continue;
    }
    const flip = flipRng !== null && flipRng.next() < 0.5;
    if (!flip) {
      for (let i = 0; i < per; i++) out[o + i] = (pixels[s + i] as number) * inv + shift;
    } else {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const src = s + (y * w + (w - 1 - x)) * c;
          const dst = o + (y * w + x) * c;
          for (let k = 0; k < c; k++) out[dst + k] = (pixels[src + k] as number) * inv + shift;
        }
      }
    }
  }
  return { x: tf.tensor4d(out, [idx.length, h, w, c]), labels };
}
