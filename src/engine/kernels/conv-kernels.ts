/**
 * The one layout kernel the fast path needs: transposed im2col for the filter gradient of a
 * 3x3 / stride 1 / pad 1 convolution, so that it becomes a single matmul without transpose
 * flags (wasm runs transposed matmuls ~10x slower and has no Conv2DBackpropFilter):
 *   dW[9Ci, Co] = im2colT(x)[9Ci, NHW] x dZ[NHW, Co]      (row order (kh, kw, ci) = HWIO)
 * The input is first transposed to channel-major planes so every output row is built from
 * contiguous, shifted runs of one image row.
 */
import { registerRawKernel } from './raw-kernel';

export const IM2COL_T = 'FairfalIm2colT3x3';

/** x [N,H,W,C] -> [9*C, N*H*W], zero padding 1. */
registerRawKernel({
  name: IM2COL_T,
  outShapes: ([s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    return [[9 * c, n * h * w]];
  },
  run: ([x], [out], _a, [s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    const src = x as Float32Array;
    const dst = out as Float32Array;
    const m = n * h * w;
    // Channel-major copy: planes[ci][n*h*w].
    const planes = new Float32Array(m * c);
    for (let r = 0; r < m; r++) {
      const o = r * c;
      for (let k = 0; k < c; k++) planes[k * m + r] = src[o + k] as number;
    }
    for (let kh = 0; kh < 3; kh++) {
      for (let kw = 0; kw < 3; kw++) {
        const dx = kw - 1;
        const dy = kh - 1;
        const x0 = Math.max(0, -dx);
        const x1 = Math.min(w, w - dx);
        for (let ci = 0; ci < c; ci++) {
          const rowBase = ((kh * 3 + kw) * c + ci) * m;
          const plane = ci * m;
          for (let b = 0; b < n; b++) {
            for (let y = 0; y < h; y++) {
              const d = rowBase + (b * h + y) * w;
              const yy = y + dy;
              if (yy < 0 || yy >= h) {
                dst.fill(0, d, d + w);
                continue;
              }
              const srow = plane + (b * h + yy) * w + dx;
              if (x0 > 0) dst[d] = 0;
              if (x1 < w) dst[d + w - 1] = 0;
              for (let xx = x0; xx < x1; xx++) dst[d + xx] = planes[srow + xx] as number;
            }
          }
        }
      }
    }
  },
});
