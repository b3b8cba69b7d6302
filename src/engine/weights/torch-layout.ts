/**
 * CNN4Conv weights in the official PyTorch layout and naming (state_dict keys of
 * chenchenzong/FairFAL's models/cnn4conv.py), so a model can move between this engine and
 * PyTorch: conv filters HWIO <-> OIHW, the linear weight [in, out] <-> [out, in]. Our
 * flatten is already PyTorch's NCHW order, so feature indices carry over unchanged.
 */
import { createWeightSet, tensorView, type WeightSet } from '../../core/weights';
import type { ConvNetArch } from '../models/types';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export class TorchLayoutError extends Error {
  override readonly name = 'TorchLayoutError';
}

function torchBlock(i: number): string {
  return `features.${i}`;
}

export function toTorchTensors(ws: WeightSet, arch: ConvNetArch): NamedTensor[] {
  const out: NamedTensor[] = [];
  arch.blocks.forEach((b, i) => {
    const hwio = tensorView(ws, `${b.prefix}.conv.weight`);
    const oihw = new Float32Array(hwio.length);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 3; x++)
        for (let ci = 0; ci < b.cin; ci++)
          for (let o = 0; o < b.cout; o++) oihw[((o * b.cin + ci) * 3 + y) * 3 + x] = hwio[((y * 3 + x) * b.cin + ci) * b.cout + o] as number;
    const t = torchBlock(i);
    out.push({ name: `${t}.0.weight`, shape: [b.cout, b.cin, 3, 3], data: oihw });
    out.push({ name: `${t}.0.bias`, shape: [b.cout], data: tensorView(ws, `${b.prefix}.conv.bias`).slice() });
    for (const k of ['weight', 'bias', 'running_mean', 'running_var']) {
      out.push({ name: `${t}.1.${k}`, shape: [b.cout], data: tensorView(ws, `${b.prefix}.bn.${k}`).slice() });
    }
  });
  const F = arch.featureDim;
  const C = arch.config.numClasses;
  const io = tensorView(ws, 'fc.weight');
  const oi = new Float32Array(io.length);
  for (let f = 0; f < F; f++) for (let c = 0; c < C; c++) oi[c * F + f] = io[f * C + c] as number;
  out.push({ name: 'linear.weight', shape: [C, F], data: oi });
  out.push({ name: 'linear.bias', shape: [C], data: tensorView(ws, 'fc.bias').slice() });
  return out;
}

export function fromTorchTensors(tensors: readonly NamedTensor[], arch: ConvNetArch): WeightSet {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const take = (name: string, shape: number[]): Float32Array => {
    const t = byName.get(name);
    if (!t) throw new TorchLayoutError(`tensor ${name} is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new TorchLayoutError(`tensor ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    for (const v of t.data) if (!Number.isFinite(v)) throw new TorchLayoutError(`tensor ${name} holds a non-finite value`);
    return t.data;
  };
  const ws = createWeightSet(arch.specs);
  arch.blocks.forEach((b, i) => {
    const t = torchBlock(i);
    const oihw = take(`${t}.0.weight`, [b.cout, b.cin, 3, 3]);
    const hwio = tensorView(ws, `${b.prefix}.conv.weight`);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 3; x++)
        for (let ci = 0; ci < b.cin; ci++)
          for (let o = 0; o < b.cout; o++) hwio[((y * 3 + x) * b.cin + ci) * b.cout + o] = oihw[((o * b.cin + ci) * 3 + y) * 3 + x] as number;
    tensorView(ws, `${b.prefix}.conv.bias`).set(take(`${t}.0.bias`, [b.cout]));
    for (const k of ['weight', 'bias', 'running_mean', 'running_var']) tensorView(ws, `${b.prefix}.bn.${k}`).set(take(`${t}.1.${k}`, [b.cout]));
  });
  const F = arch.featureDim;
  const C = arch.config.numClasses;
  const oi = take('linear.weight', [C, F]);
  const io = tensorView(ws, 'fc.weight');
  for (let f = 0; f < F; f++) for (let c = 0; c < C; c++) io[f * C + c] = oi[c * F + f] as number;
  tensorView(ws, 'fc.bias').set(take('linear.bias', [C]));
  return ws;
}
