import * as tf from '@tensorflow/tfjs';
import { rawKernelsAvailable } from '../kernels/raw-kernel';
import type { ConvNetArch } from '../models/types';
import { createFastNet } from './fast-net';
import { createReferenceNet } from './reference-net';
import type { NetImpl } from './types';

export type NetKind = 'fast' | 'reference' | 'auto';

/** The fast path where raw kernels can run (wasm, cpu); stock autodiff elsewhere (tfjs-node). */
export function createNet(arch: ConvNetArch, kind: NetKind = 'auto'): NetImpl {
  if (kind === 'fast' || (kind === 'auto' && rawKernelsAvailable())) {
    if (!rawKernelsAvailable()) throw new Error(`fast net needs the wasm or cpu backend, active: ${tf.getBackend()}`);
    return createFastNet(arch);
  }
  return createReferenceNet(arch);
}

export type { NetImpl, StepOutput, ForwardOutput } from './types';
export { uploadParams, disposeParams, type ParamTensors } from './params';
