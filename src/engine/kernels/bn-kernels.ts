/**
 * Two one-pass kernels around BatchNorm where stock wasm ops are slow: per-channel moments
 * (the axis-0 Sum and a ones-row matmul both cost ~10x a memory pass at [50176, 64]) and the
 * MaxPool + ReLU backward fused with the BatchNorm gradient sums (wasm's MaxPoolGrad is a
 * naive loop, ~5x slower than this). Everything else stays in XNNPACK / wasm elementwise ops.
 */
import { registerRawKernel, type Attrs } from './raw-kernel';

export const CHANNEL_MOMENTS = 'FairfalChannelMoments';
export const POOL_RELU_BN_GRAD = 'FairfalPoolReluBnGrad';

const at = (a: Attrs, k: string): number => a[k] as number;

/** z [M, C] -> [2, C]: mean and biased variance, float64 accumulation. */
registerRawKernel({
  name: CHANNEL_MOMENTS,
  outShapes: ([s]) => [[2, (s as number[])[1] as number]],
  runSimd: (k, [z], [out], _a, [s]) => {
    const [m, c] = s as [number, number];
    if (c % 4 !== 0) return false;
    k.fn.moments(z as number, m, c, out as number, k.scratch(24 * c + 8));
    return true;
  },
  run: ([z], [out], _a, [s]) => {
    const [m, c] = s as [number, number];
    const Z = z as Float32Array;
    const sum = new Float64Array(c);
    const sq = new Float64Array(c);
    for (let r = 0; r < m; r++) {
      const o = r * c;
      for (let k = 0; k < c; k++) {
        const v = Z[o + k] as number;
        sum[k] = (sum[k] as number) + v;
        sq[k] = (sq[k] as number) + v * v;
      }
    }
    const O = out as Float32Array;
    for (let k = 0; k < c; k++) {
      const mean = (sum[k] as number) / m;
      O[k] = mean;
      O[c + k] = Math.max(0, (sq[k] as number) / m - mean * mean);
    }
  },
});

/**
 * inputs: dy [N,Ho,Wo,C], relu [N,H,W,C] (post-ReLU activations), pooled [N,Ho,Wo,C], z [N*H*W, C]
 * (pre-BN), mean [C]; attrs n, h, w.
 * outputs: dPre [N*H*W, C], the gradient at the BN output (routed to the first max of each
 * window, zero where ReLU clipped), and sums [2, C] = (sum dPre, sum dPre * (z - mean)).
 */
registerRawKernel({
  name: POOL_RELU_BN_GRAD,
  outShapes: ([, , , zs]) => [zs as number[], [2, (zs as number[])[1] as number]],
  runSimd: (k, [dy, relu, pooled, z, mean], [dPre, sums], a, inShapes) => {
    const c = (inShapes[4] as number[])[0] as number;
    if (c % 4 !== 0) return false;
    const args = [dy, relu, pooled, z, mean].map(Number) as [number, number, number, number, number];
    k.fn.pool_bn_grad(...args, at(a, 'n'), at(a, 'h'), at(a, 'w'), c, dPre as number, sums as number, k.scratch(24 * c + 8));
    return true;
  },
  run: ([dy, relu, pooled, z, mean], [dPre, sums], a) => {
    const n = at(a, 'n');
    const h = at(a, 'h');
    const w = at(a, 'w');
    const c = (mean as Float32Array).length;
    const D = dPre as Float32Array;
    const DY = dy as Float32Array;
    const R = relu as Float32Array;
    const Y = pooled as Float32Array;
    const Z = z as Float32Array;
    const M = mean as Float32Array;
    D.fill(0);
    const s0 = new Float64Array(c);
    const s1 = new Float64Array(c);
    const ho = Math.floor(h / 2);
    const wo = Math.floor(w / 2);
    const rowStride = w * c;
    let o = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++, o += c) {
          const p0 = ((b * h + 2 * i) * w + 2 * j) * c;
          for (let k = 0; k < c; k++) {
            const y = Y[o + k] as number;
            if (!(y > 0)) continue; // ReLU clipped the whole window: no gradient
            let p = p0 + k;
            if (R[p] !== y) {
              p += c;
              if (R[p] !== y) {
                p = p0 + rowStride + k;
                if (R[p] !== y) p += c;
              }
            }
            const g = DY[o + k] as number;
            D[p] = g;
            s0[k] = (s0[k] as number) + g;
            s1[k] = (s1[k] as number) + g * ((Z[p] as number) - (M[k] as number));
          }
        }
      }
    }
    const S = sums as Float32Array;
    for (let k = 0; k < c; k++) {
      S[k] = s0[k] as number;
      S[c + k] = s1[k] as number;
    }
  },
});

export const RELU_BN_GRAD = 'FairfalReluBnGrad';

/**
 * The same for a block without pool: inputs dy [N,H,W,C], relu [N,H,W,C], z [N*H*W, C], mean [C].
 * outputs dPre [N*H*W, C] (dy where ReLU passed, else 0) and sums [2, C] as above.
 */
registerRawKernel({
  name: RELU_BN_GRAD,
  outShapes: ([, , zs]) => [zs as number[], [2, (zs as number[])[1] as number]],
  run: ([dy, relu, z, mean], [dPre, sums], _a, [, , zs]) => {
    const [m, c] = zs as [number, number];
    const DY = dy as Float32Array;
    const R = relu as Float32Array;
    const Z = z as Float32Array;
    const M = mean as Float32Array;
    const D = dPre as Float32Array;
    const s0 = new Float64Array(c);
    const s1 = new Float64Array(c);
    for (let r = 0, i = 0; r < m; r++) {
      for (let k = 0; k < c; k++, i++) {
        if (!((R[i] as number) > 0)) {
          D[i] = 0;
          continue;
        }
        const g = DY[i] as number;
        D[i] = g;
        s0[k] = (s0[k] as number) + g;
        s1[k] = (s1[k] as number) + g * ((Z[i] as number) - (M[k] as number));
      }
    }
    const S = sums as Float32Array;
    for (let k = 0; k < c; k++) {
      S[k] = s0[k] as number;
      S[c + k] = s1[k] as number;
    }
  },
});
