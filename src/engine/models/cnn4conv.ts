/**
 * CNN4Conv, the FairFAL reference model: 4 x [conv3x3 64 pad 1 -> BN -> ReLU -> MaxPool 2]
 * -> flatten (PyTorch NCHW order) -> Linear. Feature dim 64 at 28x28, 256 at 32x32, 1024 at 64x64.
 * Tensor names follow a PyTorch-like state_dict; conv weights are HWIO, the linear weight is
 * [in, out] (tfjs layout).
 */
import { createRng } from '../../core/rng';
import { createWeightSet, tensorView, type TensorSpec } from '../../core/weights';
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
    specs.push(
      { name: `${prefix}.conv.weight`, shape: [3, 3, cin, WIDTH], trainable: true },
      { name: `${prefix}.conv.bias`, shape: [WIDTH], trainable: true },
      { name: `${prefix}.bn.weight`, shape: [WIDTH], trainable: true },
      { name: `${prefix}.bn.bias`, shape: [WIDTH], trainable: true },
      { name: `${prefix}.bn.running_mean`, shape: [WIDTH], trainable: false },
      { name: `${prefix}.bn.running_var`, shape: [WIDTH], trainable: false },
    );
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

/**
 * PyTorch defaults: kaiming_uniform(a=sqrt 5) => U(+-1/sqrt(fan_in)) for weights and biases; BN 1/0,
 * stats 0/1; the linear bias starts at 0, as the official CNN4Conv sets it.
 */
function init(config: ModelConfig, seed: number) {
  const arch = describe(config);
  const ws = createWeightSet(arch.specs);
  const rng = createRng(seed);
  const uniform = (view: Float32Array, bound: number) => {
    for (let i = 0; i < view.length; i++) view[i] = (2 * rng.next() - 1) * bound;
  };
  for (const b of arch.blocks) {
    const bound = 1 / Math.sqrt(b.cin * 9);
    uniform(tensorView(ws, `${b.prefix}.conv.weight`), bound);
    uniform(tensorView(ws, `${b.prefix}.conv.bias`), bound);
    tensorView(ws, `${b.prefix}.bn.weight`).fill(1);
    tensorView(ws, `${b.prefix}.bn.running_var`).fill(1);
  }
  const fb = 1 / Math.sqrt(arch.featureDim);
  uniform(tensorView(ws, 'fc.weight'), fb);
  return ws;
}

export const cnn4conv: ModelDefinition = { name: 'cnn4conv', describe, init };
