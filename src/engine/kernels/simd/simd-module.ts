/**
 * Loads the wasm SIMD kernels (kernels.c) into the tfjs wasm backend's own linear memory, so
 * they work on tensors in place by address. One instance per backend; null when the backend
 * does not expose its memory (then the JS kernels run instead).
 */
import { SIMD_KERNELS_WASM_BASE64 } from './kernels-wasm';

type Ptr = number;

/** Exports of kernels.c; every pointer is a byte address in the tfjs heap. */
export interface SimdExports {
  moments(z: Ptr, m: number, c: number, out: Ptr, scratch: Ptr): void;
  bn_relu_pool(z: Ptr, scale: Ptr, shift: Ptr, n: number, h: number, w: number, c: number, relu: Ptr, pooled: Ptr): void;
  pool_bn_grad(dy: Ptr, relu: Ptr, pooled: Ptr, z: Ptr, mean: Ptr, n: number, h: number, w: number, c: number, dpre: Ptr, sums: Ptr, scratch: Ptr): void;
  bn_backward(dpre: Ptr, z: Ptr, scale: Ptr, k3: Ptr, k0: Ptr, m: number, c: number, dz: Ptr): void;
  bn_backward_t(dpre: Ptr, z: Ptr, scale: Ptr, k3: Ptr, k0: Ptr, m: number, c: number, dzt: Ptr): void;
  im2col3x3(x: Ptr, n: number, h: number, w: number, c: number, out: Ptr): void;
  im2col3x3_t(x: Ptr, n: number, h: number, w: number, c: number, out: Ptr, planes: Ptr): void;
  wino_in(x: Ptr, n: number, h: number, w: number, c: number, table: Ptr): void;
  wino_out(table: Ptr, n: number, h: number, w: number, k: number, y: Ptr): void;
  wino_grad_out(dy: Ptr, n: number, h: number, w: number, k: number, table: Ptr): void;
  wino_grad_products(vt: Ptr, dmt: Ptr, t: number, c: number, k: number, dut: Ptr): void;
  gemm_tn(a: Ptr, b: Ptr, t: number, c: number, k: number, out: Ptr): void;
  wino_filter(g: Ptr, c: number, k: number, table: Ptr): void;
  wino_filter_grad(table: Ptr, c: number, k: number, dg: Ptr): void;
}

export interface SimdKernels {
  fn: SimdExports;
  /** A heap block of at least `bytes` bytes (16-byte aligned), reused across calls; valid until the next scratch() call. */
  scratch(bytes: number): Ptr;
  /** Writes tensor addresses into a heap table (for kernels with 16 operands) and returns its address. */
  table(addresses: number[]): Ptr;
}

/** The parts of BackendWasm's Emscripten module this needs (not in its public typings). */
interface EmscriptenHeap {
  asm?: { memory?: unknown };
  _malloc?: (bytes: number) => number;
  _free?: (ptr: number) => void;
}

const instances = new WeakMap<object, SimdKernels | null>();
const failures = new WeakMap<object, string>();
let compiled: WebAssembly.Module | null = null;

function compile(): WebAssembly.Module {
  if (!compiled) {
    const bin = atob(SIMD_KERNELS_WASM_BASE64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

function instantiate(backend: object): SimdKernels | null {
  const heap = (backend as { wasm?: EmscriptenHeap }).wasm;
  const memory = heap?.asm?.memory;
  const malloc = heap?._malloc;
  const free = heap?._free;
  if (!(memory instanceof WebAssembly.Memory) || !malloc || !free) {
    failures.set(backend, 'the wasm backend does not expose its memory');
    return null;
  }
  const instance = new WebAssembly.Instance(compile(), { env: { memory } });
  const fn = instance.exports as unknown as SimdExports;
  let block = 0;
  let blockBytes = 0;
  const tableAt = malloc(4 * 64);
  if (!tableAt) return null;
  return {
    fn,
    table(addresses) {
      if (addresses.length > 64) throw new Error(`pointer table holds 64 addresses, got ${addresses.length}`);
      new Int32Array(memory.buffer, tableAt, addresses.length).set(addresses);
      return tableAt;
    },
    scratch(bytes) {
      if (bytes > blockBytes) {
        if (block) free(block);
        blockBytes = Math.max(bytes, blockBytes * 2, 4096);
        block = malloc(blockBytes + 16);
        if (!block) throw new Error(`wasm scratch allocation of ${blockBytes} bytes failed`);
      }
      return (block + 15) & ~15;
    },
  };
}

/** The SIMD kernels bound to this wasm backend's memory, or null where they cannot run. */
export function simdKernelsFor(backend: object): SimdKernels | null {
  if (!instances.has(backend)) {
    let k: SimdKernels | null = null;
    try {
      k = instantiate(backend);
    } catch (e) {
      k = null; // e.g. no wasm SIMD in this runtime: the JS kernels run
      failures.set(backend, e instanceof Error ? e.message : String(e));
    }
    instances.set(backend, k);
  }
  return instances.get(backend) ?? null;
}

/** Why the SIMD kernels are not running on this backend, or null when they are. */
export function simdKernelsUnavailableReason(backend: object): string | null {
  return simdKernelsFor(backend) ? null : (failures.get(backend) ?? 'unknown');
}
