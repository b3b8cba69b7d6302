/**
 * A pretrained feature extractor imported by a clinic or a federation (issue 16): a TensorFlow.js
 * model (model.json + weight files) or an ONNX file. It maps images to one feature vector each;
 * a head (models/linear-head.ts) trains and federates on those, computed once per image.
 */
import type { InputScaling } from '../models/types';

export type BackboneFormat = 'tfjs-layers' | 'tfjs-graph' | 'onnx';

export interface BackboneInfo {
  format: BackboneFormat;
  /** sha256 over the model's files (the cache key: a changed backbone invalidates every cached feature). */
  sha256: string;
  /** What the backbone takes: [height, width, channels] (images are resized to it when the workspace's differ). */
  inputShape: [number, number, number];
  /** Pixels / 255 ('unit', the default) or (x/255 - 0.5)/0.5 ('centered'); other normalisation belongs in the graph. */
  inputScaling: InputScaling;
  /** Length of one feature vector. */
  featureDim: number;
  /** Free text from the file (e.g. what it was trained on), shown to the clinic. */
  description: string;
}

export interface Backbone {
  readonly info: BackboneInfo;
  /** Features of `count` images given as float NHWC batches already scaled and at info.inputShape. */
  run(batch: Float32Array, count: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export class BackboneError extends Error {
  override readonly name = 'BackboneError';
}

/** Feature vectors wider than this are not a head's input (the linear head's own limit). */
export const MAX_FEATURE_DIM = 16_384;
