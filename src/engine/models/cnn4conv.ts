/**
 * CNN4Conv, the FairFAL reference model: 4 x [conv3x3 64 pad 1 -> BN -> ReLU -> MaxPool 2]
 * -> flatten (PyTorch NCHW order) -> Linear. Feature dim 64 at 28x28, 256 at 32x32, 1024 at 64x64.
 * Tensor names follow a PyTorch-like state_dict; conv weights are HWIO, the linear weight is
 * [in, out] (tfjs layout).
 */
import type { TensorSpec } from '../../core/weights';
import { blockSpecs, initConvNet } from './conv-net-init';
import type { ConvNetArch, ModelConfig, ModelDefinition } from './types';

export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

const WIDTH = 64;
const DEPTH = 4;

function describe(config: ModelConfig): ConvNetArch {
  const { height, width, channels, numClasses } = config;
  if (![1, 3].includes(channels)) throw new ModelConfigError(`cnn4conv needs 1 or 3 channels, got ${channels}`);
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new ModelConfigError(`numClasses must be >= 2, got ${numClasses}`);
  if (height < 16 || width < 16 || !Number.isInteger(height) || !Number.isInteger(width)) {
    throw new ModelConfigError(`cnn4conv needs inputs of at least 16x16, got ${height}x${width}`);
  }
  const blocks = [];
  const specs: TensorSpec[] = [];
  let h = height;
  let w = width;
  let cin: number = channels;
  for (let i = 1; i <= DEPTH; i++) {
    const prefix = `block${i}`;
    blocks.push({ prefix, cin, cout: WIDTH, h, w });
    specs.push(...blockSpecs(prefix, cin, WIDTH));
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
    cin = WIDTH;
  }
  const featureDim = h * w * WIDTH;
  specs.push(
    { name: 'fc.weight', shape: [featureDim, numClasses], trainable: true },
    { name: 'fc.bias', shape: [numClasses], trainable: true },
  );
  return { config, blocks, final: { h, w, c: WIDTH }, featureDim, specs };
}

export const cnn4conv: ModelDefinition = { name: 'cnn4conv', describe, init: (config, seed) => initConvNet(describe(config), seed) };
