/**
 * Layout kernels that turn a 3x3 / stride 1 / pad 1 convolution and both of its gradients into
 * plain matmuls (no transpose flags: wasm runs those ~10x slower):
 *   forward   Z[NHW, Co]   = im2col(x)[NHW, 9Ci] x W[9Ci, Co]
 *   filter    dW^T[Co, 9Ci] = dZ^T[Co, NHW] x im2col(x)[NHW, 9Ci]   (then a tiny transpose)
 *   input     dX[NHW, Ci]  = im2col(dZ)[NHW, 9Co] x flip(W)[9Co, Ci]
 * W is HWIO [3,3,Ci,Co], whose row-major reshape is exactly [9Ci, Co].
 */
import { registerRawKernel } from './raw-kernel';

export const IM2COL = 'FairfalIm2col3x3';
export const FLIP_FILTER = 'FairfalFlipFilter3x3';
export const FILTER_FROM_T = 'FairfalFilterFromTransposed';

/** x [N,H,W,C] -> patches [N*H*W, 9*C], column order (kh, kw, c), zero padding 1. */
registerRawKernel({
  name: IM2COL,
  outShapes: ([s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    return [[n * h * w, 9 * c]];
  },
  run: ([x], [out], _a, [s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    const src = x as Float32Array;
    const dst = out as Float32Array;
    const rowLen = 9 * c;
    let r = 0;
    for (let b = 0; b < n; b++) {
      const imgBase = b * h * w * c;
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++, r++) {
          let d = r * rowLen;
          for (let kh = -1; kh <= 1; kh++) {
            const yy = y + kh;
            for (let kw = -1; kw <= 1; kw++) {
              const x2 = xx + kw;
              if (yy < 0 || yy >= h || x2 < 0 || x2 >= w) {
                dst.fill(0, d, d + c);
              } else {
                const s0 = imgBase + (yy * w + x2) * c;
                for (let k = 0; k < c; k++) dst[d + k] = src[s0 + k] as number;
              }
              d += c;
            }
          }
        }
      }
    }
  },
});

/** W [3,3,Ci,Co] -> [9*Co, Ci] with out[(kh,kw,co), ci] = W[2-kh, 2-kw, ci, co]. */
registerRawKernel({
  name: FLIP_FILTER,
  outShapes: ([s]) => {
    const [, , ci, co] = s as [number, number, number, number];
    return [[9 * co, ci]];
  },
  run: ([w], [out], _a, [s]) => {
    const [, , ci, co] = s as [number, number, number, number];
    const src = w as Float32Array;
    const dst = out as Float32Array;
    for (let k = 0; k < 9; k++) {
      const kf = 8 - k; // (2-kh)*3 + (2-kw)
      for (let o = 0; o < co; o++) {
        const drow = (k * co + o) * ci;
        for (let i = 0; i < ci; i++) dst[drow + i] = src[(kf * ci + i) * co + o] as number;
      }
    }
  },
});

/** dW^T [Co, 9*Ci] -> dW [3,3,Ci,Co]. */
registerRawKernel({
  name: FILTER_FROM_T,
  outShapes: ([s]) => {
    const [co, k] = s as [number, number];
    return [[3, 3, k / 9, co]];
  },
  run: ([t], [out], _a, [s]) => {
    const [co, k] = s as [number, number];
    const src = t as Float32Array;
    const dst = out as Float32Array;
    for (let o = 0; o < co; o++) for (let j = 0; j < k; j++) dst[j * co + o] = src[o * k + j] as number;
  },
});
