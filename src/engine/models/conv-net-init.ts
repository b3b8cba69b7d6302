/**
 * PyTorch's default initialisation for a ConvNetArch: kaiming_uniform(a=sqrt 5), i.e.
 * U(+-1/sqrt(fan_in)), for conv weights and biases; BatchNorm 1/0 with statistics 0/1; the
 * linear weight U(+-1/sqrt(featureDim)) and its bias 0 (as the official CNN4Conv sets it).
 * One seeded stream in block order, so a seed names the same weights across releases.
 */
import { createRng } from '../../core/rng';
import { createWeightSet, tensorView, type WeightSet } from '../../core/weights';
import type { ConvNetArch } from './types';

export function initConvNet(arch: ConvNetArch, seed: number): WeightSet {
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
  uniform(tensorView(ws, 'fc.weight'), 1 / Math.sqrt(arch.featureDim));
  return ws;
}

/** The tensors of one conv block (conv3x3 + BatchNorm), in the layout every ConvNetArch uses. */
export function blockSpecs(prefix: string, cin: number, cout: number) {
  return [
    { name: `${prefix}.conv.weight`, shape: [3, 3, cin, cout], trainable: true },
    { name: `${prefix}.conv.bias`, shape: [cout], trainable: true },
    { name: `${prefix}.bn.weight`, shape: [cout], trainable: true },
    { name: `${prefix}.bn.bias`, shape: [cout], trainable: true },
    { name: `${prefix}.bn.running_mean`, shape: [cout], trainable: false },
    { name: `${prefix}.bn.running_var`, shape: [cout], trainable: false },
  ];
}
