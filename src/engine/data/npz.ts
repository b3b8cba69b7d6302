// Reader for MedMNIST-format .npz archives: {train,val,test}_{images,labels}, uint8 images
// N x H x W (grey) or N x H x W x 3 (RGB), labels N x 1. A product feature: users who own the
// official MedMNIST files import them directly.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseNpy, type NpyArray } from './npy';
import { listZipEntries, readZipEntry } from './zip';
import { NpzFormatError } from './npz-errors';

export { NpzFormatError } from './npz-errors';
export type { NpyArray } from './npy';

/** Read every .npy entry of an archive, keyed by name without the extension. */
export function readNpz(path: string): Record<string, NpyArray> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new NpzFormatError(`cannot read '${path}': ${(err as Error).message}`);
  }
  return parseNpz(buf, basename(path));
}

export function parseNpz(buf: Buffer, label = 'archive'): Record<string, NpyArray> {
  const out: Record<string, NpyArray> = {};
  for (const entry of listZipEntries(buf, label)) {
    if (!entry.name.endsWith('.npy')) continue;
    out[entry.name.slice(0, -4)] = parseNpy(readZipEntry(buf, entry, label), entry.name);
  }
  if (Object.keys(out).length === 0) throw new NpzFormatError(`${label}: archive holds no .npy arrays`);
  return out;
}

export type SplitName = 'train' | 'val' | 'test';

/** One split of a MedMNIST-format dataset, images always N x H x W x C (C = 1 or 3). */
export interface ImageSplit {
  images: Uint8Array;
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
}

export interface MedMnistDataset {
  name: string;
  splits: Partial<Record<SplitName, ImageSplit>>;
  numClasses: number;
}

export function readMedMnist(path: string): MedMnistDataset {
  const arrays = readNpz(path);
  const label = basename(path);
  const splits: Partial<Record<SplitName, ImageSplit>> = {};
  let maxLabel = -1;
  for (const split of ['train', 'val', 'test'] as const) {
    const images = arrays[`${split}_images`];
    const labels = arrays[`${split}_labels`];
    if (!images && !labels) continue;
    if (!images || !labels) throw new NpzFormatError(`${label}: '${split}' split has images or labels but not both`);
    const s = toSplit(images, labels, `${label}:${split}`);
    if (s.count === 0) continue;
    for (const y of s.labels) maxLabel = Math.max(maxLabel, y);
    splits[split] = s;
  }
  if (!splits.train && !splits.test) {
    throw new NpzFormatError(`${label}: no train_images/train_labels or test_images/test_labels arrays (not MedMNIST format)`);
  }
  return { name: label.replace(/\.npz$/, ''), splits, numClasses: maxLabel + 1 };
}

function toSplit(images: NpyArray, labels: NpyArray, label: string): ImageSplit {
  if (images.dtype !== 'uint8') throw new NpzFormatError(`${label}: images must be uint8, found ${images.dtype}`);
  const [n, h, w, c = 1] = images.shape;
  if (images.shape.length < 3 || images.shape.length > 4 || (c !== 1 && c !== 3)) {
    throw new NpzFormatError(`${label}: images must be N x H x W or N x H x W x 3, found (${images.shape.join(', ')})`);
  }
  const labelCount = labels.shape[0] ?? 0;
  const perRow = labels.shape.slice(1).reduce((a, b) => a * b, 1);
  if (labelCount !== n || perRow !== 1) {
    throw new NpzFormatError(`${label}: ${n} images but labels have shape (${labels.shape.join(', ')}); expected (${n}, 1)`);
  }
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = Number(labels.data[i]);
    if (!Number.isInteger(y) || y < 0) throw new NpzFormatError(`${label}: label ${i} is ${y}, not a class index`);
    ys[i] = y;
  }
  return { images: images.data, labels: ys, count: n, height: h, width: w, channels: c as 1 | 3 };
}

/** A split's images as the models see them: RGB, grey archives expanded the way the vault does. */
export function splitAsRgb(split: ImageSplit): Uint8Array {
  if (split.channels === 3) return split.images;
  const out = new Uint8Array(split.images.length * 3);
  for (let i = 0; i < split.images.length; i++) out.fill(split.images[i] as number, i * 3, i * 3 + 3);
  return out;
}
