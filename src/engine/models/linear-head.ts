/**
 * A linear classifier on a pretrained backbone's features (issue 16's frozen-backbone head):
 * input [1, 1, D] (the cached D-dimensional feature vector of each image, engine/backbone),
 * no conv blocks, the features passed through as they are, then Linear(D, classes). On the fast
 * path like every ConvNetArch; FairFAL reads the backbone features as its features and the
 * head's probabilities and last-layer gradient embeddings as usual.
 */
import type { TensorSpec } from '../../core/weights';
import { ModelConfigError } from './cnn4conv';
import { initConvNet } from './conv-net-init';
import type { ConvNetArch, ModelConfig, ModelDefinition } from './types';

/** Backbone features wider than this are not a head's job (a 7x7x512 map is 25k: pool it first). */
export const MAX_HEAD_INPUT = 16_384;

function describe(config: ModelConfig): ConvNetArch {
  const { height, width, channels, numClasses } = config;
  if (height !== 1 || width !== 1) throw new ModelConfigError(`linear-head takes feature vectors shaped [1, 1, D], got [${height}, ${width}, ${channels}]`);
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_HEAD_INPUT) {
    throw new ModelConfigError(`linear-head needs 1..${MAX_HEAD_INPUT} features, got ${channels}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new ModelConfigError(`numClasses must be >= 2, got ${numClasses}`);
  const specs: TensorSpec[] = [
    { name: 'fc.weight', shape: [channels, numClasses], trainable: true },
    { name: 'fc.bias', shape: [numClasses], trainable: true },
  ];
  return { config, blocks: [], head: 'flatten', final: { h: 1, w: 1, c: channels }, featureDim: channels, specs };
}

export const linearHead: ModelDefinition = { name: 'linear-head', describe, init: (config, seed) => initConvNet(describe(config), seed) };
