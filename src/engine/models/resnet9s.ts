/**
 * A small residual network with BatchNorm for larger inputs (64 px and up): the ResNet-9 layout
 * of Page's DAWNBench entry at a quarter of its width, so it runs on the fast path's 3x3 / stride
 * 1 convolutions and 2x2 pools (downsampling by pooling, not strided convs):
 *   prep  conv 16
 *   layer1 conv 32 + pool, residual [conv 32, conv 32]
 *   layer2 conv 64 + pool
 *   layer3 conv 128 + pool, residual [conv 128, conv 128]
 *   global average pool -> Linear (128 features at any input size).
 * Every conv is conv3x3 -> BN -> ReLU; a residual adds its two-conv branch to its input.
 * CNN4Conv stays the paper's model; this one is chosen per workspace or federation.
 */
import type { TensorSpec } from '../../core/weights';
import { ModelConfigError } from './cnn4conv';
import { blockSpecs, initConvNet } from './conv-net-init';
import type { ConvBlockSpec, ConvNetArch, ModelConfig, ModelDefinition, Residual } from './types';

/** [name, output channels, pool after it, starts a two-conv residual branch of this width]. */
const LAYOUT: readonly (readonly [string, number, boolean, boolean])[] = [
  ['prep', 16, false, false],
  ['layer1', 32, true, true],
  ['layer2', 64, true, false],
  ['layer3', 128, true, true],
];

function describe(config: ModelConfig): ConvNetArch {
  const { height, width, channels, numClasses } = config;
  if (![1, 3].includes(channels)) throw new ModelConfigError(`resnet9s needs 1 or 3 channels, got ${channels}`);
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new ModelConfigError(`numClasses must be >= 2, got ${numClasses}`);
  if (height < 16 || width < 16 || !Number.isInteger(height) || !Number.isInteger(width)) {
    throw new ModelConfigError(`resnet9s needs inputs of at least 16x16, got ${height}x${width}`);
  }
  const blocks: ConvBlockSpec[] = [];
  const residuals: Residual[] = [];
  const specs: TensorSpec[] = [];
  let h = height;
  let w = width;
  let cin: number = channels;
  const add = (prefix: string, cout: number, pool: boolean) => {
    blocks.push({ prefix, cin, cout, h, w, pool });
    specs.push(...blockSpecs(prefix, cin, cout));
    cin = cout;
    if (pool) {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
  };
  for (const [name, cout, pool, residual] of LAYOUT) {
    add(name, cout, pool);
    if (residual) {
      const from = blocks.length;
      add(`${name}.res1`, cout, false);
      add(`${name}.res2`, cout, false);
      residuals.push({ from, to: from + 1 });
    }
  }
  const featureDim = cin;
  specs.push({ name: 'fc.weight', shape: [featureDim, numClasses], trainable: true }, { name: 'fc.bias', shape: [numClasses], trainable: true });
  return { config, blocks, residuals, head: 'global-avg', final: { h, w, c: cin }, featureDim, specs };
}

export const resnet9s: ModelDefinition = { name: 'resnet9s', describe, init: (config, seed) => initConvNet(describe(config), seed) };
