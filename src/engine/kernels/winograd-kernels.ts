/**
 * Winograd F(2x2, 3x3) pieces for 3x3 / stride 1 / pad 1 convolutions, wasm SIMD only (see
 * kernels.c). A conv is WINO_FILTER (weights -> 16 [C, K]) and WINO_IN (input -> 16 [T, C]),
 * 16 plain matmuls, then WINO_OUT; the filter gradient is WINO_GRAD_OUT (dZ -> 16 [K, T]),
 * 16 matmuls with the cached WINO_IN tiles, then WINO_FILTER_GRAD. XNNPACK's matmul runs at
 * full speed on these shapes, and there are 2.25x fewer multiplications than a direct conv.
 */
import { registerRawKernel, type Attrs } from './raw-kernel';

export const WINO_IN = 'FairfalWinoIn';
export const WINO_OUT = 'FairfalWinoOut';
export const WINO_GRAD_OUT = 'FairfalWinoGradOut';
export const WINO_FILTER = 'FairfalWinoFilter';
export const WINO_FILTER_GRAD = 'FairfalWinoFilterGrad';
export const WINO_GRAD_PRODUCTS = 'FairfalWinoGradProducts';

const at = (a: Attrs, k: string): number => a[k] as number;
const tilesOf = (n: number, h: number, w: number) => n * Math.ceil(h / 2) * Math.ceil(w / 2);
const sixteen = <T>(v: T): T[] => Array.from({ length: 16 }, () => v);
const simdOnly = (name: string) => () => {
  throw new Error(`${name} runs only with the wasm SIMD kernels`);
};

/** x [N,H,W,C] -> 16 x [T, C]. */
registerRawKernel({
  name: WINO_IN,
  outShapes: ([s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    return sixteen([tilesOf(n, h, w), c]);
  },
  runSimd: (k, [x], outs, _a, [s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    if (c % 4 !== 0) return false;
    k.fn.wino_in(x as number, n, h, w, c, k.table(outs));
    return true;
  },
  run: simdOnly(WINO_IN),
});

/** 16 x [T, K]; attrs n, h, w -> y [N,H,W,K]. */
registerRawKernel({
  name: WINO_OUT,
  outShapes: (s, a) => [[at(a, 'n'), at(a, 'h'), at(a, 'w'), (s[0] as number[])[1] as number]],
  runSimd: (k, ins, [y], a, s) => {
    const kc = (s[0] as number[])[1] as number;
    if (kc % 4 !== 0) return false;
    k.fn.wino_out(k.table(ins), at(a, 'n'), at(a, 'h'), at(a, 'w'), kc, y as number);
    return true;
  },
  run: simdOnly(WINO_OUT),
});

/** dy [N,H,W,K] -> 16 x [T, K]. */
registerRawKernel({
  name: WINO_GRAD_OUT,
  outShapes: ([s]) => {
    const [n, h, w, kc] = s as [number, number, number, number];
    return sixteen([tilesOf(n, h, w), kc]);
  },
  runSimd: (k, [dy], outs, _a, [s]) => {
    const [n, h, w, kc] = s as [number, number, number, number];
    if (kc % 4 !== 0) return false;
    k.fn.wino_grad_out(dy as number, n, h, w, kc, k.table(outs));
    return true;
  },
  run: simdOnly(WINO_GRAD_OUT),
});

/** g [3,3,C,K] -> 16 x [C, K]. */
registerRawKernel({
  name: WINO_FILTER,
  outShapes: ([s]) => {
    const [, , c, kc] = s as [number, number, number, number];
    return sixteen([c, kc]);
  },
  runSimd: (k, [g], outs, _a, [s]) => {
    const [, , c, kc] = s as [number, number, number, number];
    if ((c * kc) % 4 !== 0) return false;
    k.fn.wino_filter(g as number, c, kc, k.table(outs));
    return true;
  },
  run: simdOnly(WINO_FILTER),
});

/** 16 x V [T, C] then 16 x dM [T, K] -> 16 x dU [C, K]; K % 16 == 0. */
registerRawKernel({
  name: WINO_GRAD_PRODUCTS,
  outShapes: (s) => sixteen([(s[0] as number[])[1] as number, (s[16] as number[])[1] as number]),
  runSimd: (k, ins, outs, _a, s) => {
    const [t, c] = s[0] as [number, number];
    const kc = (s[16] as number[])[1] as number;
    if (kc % 16 !== 0) return false;
    const table = k.table([...ins, ...outs]);
    k.fn.wino_grad_products(table, table + 64, t, c, kc, table + 128);
    return true;
  },
  run: simdOnly(WINO_GRAD_PRODUCTS),
});

/** 16 x [C, K] -> dg [3,3,C,K]. */
registerRawKernel({
  name: WINO_FILTER_GRAD,
  outShapes: (s) => {
    const [c, kc] = s[0] as [number, number];
    return [[3, 3, c, kc]];
  },
  runSimd: (k, ins, [dg], _a, s) => {
    const [c, kc] = s[0] as [number, number];
    k.fn.wino_filter_grad(k.table(ins), c, kc, dg as number);
    return true;
  },
  run: simdOnly(WINO_FILTER_GRAD),
});
