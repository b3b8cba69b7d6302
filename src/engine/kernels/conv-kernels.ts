/**
 * Layout kernels for the filter gradient of a 3x3 / stride 1 / pad 1 convolution, so that it
 * becomes a single matmul without transpose flags (wasm runs transposed matmuls ~10x slower and
 * has no Conv2DBackpropFilter):
 *   dW[9Ci, Co] = im2colT(x)[9Ci, NHW] x dZ[NHW, Co]      (row order (kh, kw, ci) = HWIO)
 * or, for few input channels, dW^T = transpose(dZ) x im2col(x) (see IM2COL). im2colT first
 * transposes the input to channel-major planes so every output row is built from contiguous,
 * shifted runs of one image. Plus the flipped filter for the input gradient.
 */
import { registerRawKernel } from './raw-kernel';

export const IM2COL_T = 'FairfalIm2colT3x3';

/** Channel-major scratch, reused across calls (the layer-2 one is ~3 MB per step otherwise). */
let scratch = new Float32Array(0);

/** x [N,H,W,C] -> [9*C, N*H*W], zero padding 1. */
registerRawKernel({
  name: IM2COL_T,
  outShapes: ([s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    return [[9 * c, n * h * w]];
  },
  runSimd: (k, [x], [out], _a, [s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    if (c % 4 !== 0 || (n * h * w) % 4 !== 0) return false;
    k.fn.im2col3x3_t(x as number, n, h, w, c, out as number, k.scratch(n * h * w * c * 4));
    return true;
  },
  run: ([x], [out], _a, [s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    const src = x as Float32Array;
    const dst = out as Float32Array;
    const m = n * h * w;
    const hw = h * w;
    // Channel-major copy: planes[ci][n*h*w].
    if (scratch.length < m * c) scratch = new Float32Array(m * c);
    const planes = scratch;
    for (let r = 0; r < m; r++) {
      const o = r * c;
      for (let k = 0; k < c; k++) planes[k * m + r] = src[o + k] as number;
    }
    for (let kh = 0; kh < 3; kh++) {
      const dy = kh - 1;
      const y0 = Math.max(0, -dy);
      const y1 = Math.min(h, h - dy);
      for (let kw = 0; kw < 3; kw++) {
        const dx = kw - 1;
        // Rows y0..y1 of one image are one shifted contiguous run of its source plane; the
        // entries that wrap across a row end land in the zero-padding column, fixed below.
        const len = (y1 - y0) * w;
        const t0 = dx < 0 ? 1 : 0;
        const t1 = dx > 0 ? len - 1 : len;
        const pad = dx < 0 ? 0 : dx > 0 ? w - 1 : -1;
        for (let ci = 0; ci < c; ci++) {
          const rowBase = ((kh * 3 + kw) * c + ci) * m;
          const plane = ci * m;
          for (let b = 0; b < n; b++) {
            const d0 = rowBase + b * hw;
            const dRun = d0 + y0 * w;
            const sRun = plane + b * hw + (y0 + dy) * w + dx;
            // set() has a fixed cost that loses to a plain loop on short runs (small late layers).
            if (t1 - t0 >= 64) dst.set(planes.subarray(sRun + t0, sRun + t1), dRun + t0);
            else for (let t = t0; t < t1; t++) dst[dRun + t] = planes[sRun + t] as number;
            if (y0 > 0) dst.fill(0, d0, dRun);
            if (y1 < h) dst.fill(0, d0 + y1 * w, d0 + hw);
            if (pad >= 0) for (let y = y0; y < y1; y++) dst[d0 + y * w + pad] = 0;
          }
        }
      }
    }
  },
});

export const IM2COL = 'FairfalIm2col3x3';
export const TRANSPOSE_2D = 'FairfalTranspose2d';
export const FLIP_FILTER = 'FairfalFlipFilter3x3';

/**
 * x [N,H,W,C] -> [N*H*W, 9*C], zero padding 1, column order (kh, kw, ci). For few input
 * channels (layer 1), dW^T = dZ^T x im2col(x) beats im2colT(x) x dZ: wasm's matmul repacks its
 * second operand on every call, and [NHW, 27] is much smaller than [NHW, Co].
 */
registerRawKernel({
  name: IM2COL,
  outShapes: ([s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    return [[n * h * w, 9 * c]];
  },
  runSimd: (k, [x], [out], _a, [s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    k.fn.im2col3x3(x as number, n, h, w, c, out as number);
    return true;
  },
  run: ([x], [out], _a, [s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    const src = x as Float32Array;
    const dst = out as Float32Array;
    let o = 0;
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          for (let kh = 0; kh < 3; kh++) {
            const yy = y + kh - 1;
            for (let kw = 0; kw < 3; kw++, o += c) {
              const xs = xx + kw - 1;
              if (yy < 0 || yy >= h || xs < 0 || xs >= w) {
                for (let k = 0; k < c; k++) dst[o + k] = 0;
              } else {
                const p = ((b * h + yy) * w + xs) * c;
                for (let k = 0; k < c; k++) dst[o + k] = src[p + k] as number;
              }
            }
          }
        }
      }
    }
  },
});

/** [R, C] -> [C, R], in cache-sized row blocks (wasm's Transpose is several times slower). */
registerRawKernel({
  name: TRANSPOSE_2D,
  outShapes: ([s]) => [[(s as number[])[1] as number, (s as number[])[0] as number]],
  run: ([x], [out], _a, [s]) => {
    const [rows, cols] = s as [number, number];
    const src = x as Float32Array;
    const dst = out as Float32Array;
    const block = 64;
    for (let r0 = 0; r0 < rows; r0 += block) {
      const r1 = Math.min(rows, r0 + block);
      for (let k = 0; k < cols; k++) {
        const d = k * rows;
        for (let r = r0; r < r1; r++) dst[d + r] = src[r * cols + k] as number;
      }
    }
  },
});

/**
 * Spatially flipped filter with in/out channels swapped, [3,3,Ci,Co] -> [3,3,Co,Ci], for the
 * input gradient as a conv (wasm's Reverse costs ~100x a copy on a 3x3 filter).
 */
registerRawKernel({
  name: FLIP_FILTER,
  outShapes: ([s]) => {
    const [kh, kw, ci, co] = s as [number, number, number, number];
    return [[kh, kw, co, ci]];
  },
  run: ([w], [out], _a, [s]) => {
    const [kh, kw, ci, co] = s as [number, number, number, number];
    const W = w as Float32Array;
    const O = out as Float32Array;
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const src = ((kh - 1 - y) * kw + (kw - 1 - x)) * ci * co;
        const dst = (y * kw + x) * co * ci;
        for (let i = 0; i < ci; i++) {
          for (let o = 0; o < co; o++) O[dst + o * ci + i] = W[src + i * co + o] as number;
        }
      }
    }
  },
});

export const GEMM_TN = 'FairfalGemmTn';

/**
 * a [T, C], b [T, K] -> a^T b [C, K]: a filter gradient im2col(x)^T dZ without transposing
 * or repacking either operand (wasm SIMD; K % 16 == 0). The JS path is a plain loop.
 */
registerRawKernel({
  name: GEMM_TN,
  outShapes: ([as, bs]) => [[(as as number[])[1] as number, (bs as number[])[1] as number]],
  runSimd: (k, [a, b], [out], _a, [as, bs]) => {
    const [t, c] = as as [number, number];
    const kc = (bs as number[])[1] as number;
    if (kc % 16 !== 0) return false;
    k.fn.gemm_tn(a as number, b as number, t, c, kc, out as number);
    return true;
  },
  run: ([a, b], [out], _a, [as, bs]) => {
    const [t, c] = as as [number, number];
    const kc = (bs as number[])[1] as number;
    const A = a as Float32Array;
    const B = b as Float32Array;
    const O = out as Float32Array;
    const acc = new Float64Array(c * kc);
    for (let r = 0; r < t; r++) {
      for (let i = 0; i < c; i++) {
        const v = A[r * c + i] as number;
        if (v === 0) continue;
        for (let j = 0; j < kc; j++) acc[i * kc + j] = (acc[i * kc + j] as number) + v * (B[r * kc + j] as number);
      }
    }
    O.set(acc);
  },
});
