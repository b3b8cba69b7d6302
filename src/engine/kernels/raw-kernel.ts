/**
 * "Raw" kernels: tight JS loops that read and write tensor memory in place, registered for
 * the wasm backend (views straight into the wasm heap, no copy to another backend) and the
 * cpu backend (its Float32Array storage). They do the memory-bound work around the matmuls
 * (im2col, fused BatchNorm+ReLU+MaxPool, their backward passes) in one pass each, where
 * chains of stock tfjs ops would make several passes and slow broadcasts.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernelsFor, type SimdKernels } from './simd/simd-module';

export type Attrs = Record<string, number | number[]>;

export interface RawKernelDef {
  name: string;
  /** Output shapes from input shapes and attributes. */
  outShapes(inShapes: number[][], attrs: Attrs): number[][];
  /** Fill every element of every output (wasm outputs are not zeroed). */
  run(ins: Float32Array[], outs: Float32Array[], attrs: Attrs, inShapes: number[][]): void;
  /**
   * The same in wasm SIMD on the wasm backend (pointers are heap byte addresses). Returns
   * false where it does not apply (e.g. a channel count not a multiple of 4): `run` then runs.
   */
  runSimd?(k: SimdKernels, ins: number[], outs: number[], attrs: Attrs, inShapes: number[][]): boolean;
}

export const RAW_BACKENDS = ['wasm', 'cpu'] as const;

interface CpuLike {
  data: { get(id: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values?: Float32Array): tf.TensorInfo;
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const registered = new Set<string>();
let simdEnabled = true;

/** Turn the wasm SIMD kernels off (tests compare them with the JS ones; a last-resort switch). */
export function setSimdKernelsEnabled(on: boolean): void {
  simdEnabled = on;
}

export function registerRawKernel(def: RawKernelDef): void {
  if (registered.has(def.name)) return;
  registered.add(def.name);
  tf.registerKernel({
    kernelName: def.name,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as BackendWasm;
      const ins = Object.values(inputs) as tf.TensorInfo[];
      const inShapes = ins.map((t) => t.shape);
      const a = attrs as unknown as Attrs;
      const outs = def.outShapes(inShapes, a).map((s) => b.makeOutput(s, 'float32'));
      const simd = def.runSimd && simdEnabled ? simdKernelsFor(b) : null;
      if (simd && def.runSimd) {
        const address = (t: tf.TensorInfo) => (b.typedArrayFromHeap(t) as Float32Array).byteOffset;
        if (def.runSimd(simd, ins.map(address), outs.map(address), a, inShapes)) return outs;
      }
      // Views are taken after every allocation: a heap growth detaches older views.
      const inViews = ins.map((t) => b.typedArrayFromHeap(t) as Float32Array);
      const outViews = outs.map((t) => b.typedArrayFromHeap(t) as Float32Array);
      def.run(inViews, outViews, a, inShapes);
      return outs;
    },
  });
  tf.registerKernel({
    kernelName: def.name,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as CpuLike;
      const ins = Object.values(inputs) as tf.TensorInfo[];
      const inShapes = ins.map((t) => t.shape);
      const a = attrs as unknown as Attrs;
      const shapes = def.outShapes(inShapes, a);
      const outViews = shapes.map((s) => new Float32Array(size(s)));
      const inViews = ins.map((t) => b.data.get(t.dataId).values as Float32Array);
      def.run(inViews, outViews, a, inShapes);
      return shapes.map((s, i) => b.makeTensorInfo(s, 'float32', outViews[i]));
    },
  });
}

/** Run a registered raw kernel; inputs must be float32. */
export function runRaw(name: string, inputs: tf.Tensor[], attrs: Attrs = {}): tf.Tensor[] {
  const named: Record<string, tf.Tensor> = {};
  inputs.forEach((t, i) => {
    if (t.dtype !== 'float32') throw new Error(`raw kernel ${name}: input ${i} must be float32, got ${t.dtype}`);
    named[`x${i}`] = t;
  });
  const out = tf.engine().runKernel(name, named as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
}

export function rawKernelsAvailable(): boolean {
  return (RAW_BACKENDS as readonly string[]).includes(tf.getBackend());
}

/** Whether raw kernels with a SIMD path run it now (wasm backend, module loaded, not switched off). */
export function simdKernelsActive(): boolean {
  return simdEnabled && tf.getBackend() === 'wasm' && simdKernelsFor(tf.backend()) !== null;
}
