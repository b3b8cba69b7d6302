/**
 * Fused conv-bias + BatchNorm + ReLU + MaxPool(2) forward and its backward, one or two passes
 * over memory each. PyTorch order is BN -> ReLU -> MaxPool; ReLU(max(.)) = max(ReLU(.)),
 * so the pool picks the max of the normalised values and ReLU is applied once per output.
 * Ties pick the first window element in (row, col) order, like PyTorch's max_pool2d.
 */
import { registerRawKernel, type Attrs } from './raw-kernel';

export const BN_RELU_POOL = 'FairfalBnReluPool';
export const BN_RELU_POOL_GRAD = 'FairfalBnReluPoolGrad';

const a = (attrs: Attrs, k: string): number => attrs[k] as number;

/**
 * inputs: z [N*H*W, C], bias, gamma, beta, runMean, runVar (each [C]); attrs n,h,w,train,eps.
 * outputs: y [N,H/2,W/2,C] (floor), arg (window index 0..3 of the max, -1 where ReLU clipped),
 *          stats [2, C] = batch mean and biased variance of z+bias (train) or the running ones (eval).
 */
registerRawKernel({
  name: BN_RELU_POOL,
  outShapes: ([zs], at) => {
    const c = (zs as number[])[1] as number;
    const ho = Math.floor(a(at, 'h') / 2);
    const wo = Math.floor(a(at, 'w') / 2);
    const shape = [a(at, 'n'), ho, wo, c];
    return [shape, shape, [2, c]];
  },
  run: ([z, bias, gamma, beta, rm, rv], [y, arg, stats], at, [zs]) => {
    const Z = z as Float32Array;
    const c = (zs as number[])[1] as number;
    const m = (zs as number[])[0] as number;
    const n = a(at, 'n');
    const h = a(at, 'h');
    const w = a(at, 'w');
    const eps = a(at, 'eps');
    const st = stats as Float32Array;
    const B = bias as Float32Array;
    if (a(at, 'train') === 1) {
      const sum = new Float64Array(c);
      for (let r = 0; r < m; r++) {
        const o = r * c;
        for (let k = 0; k < c; k++) sum[k] = (sum[k] as number) + (Z[o + k] as number);
      }
      const mean = new Float64Array(c);
      for (let k = 0; k < c; k++) mean[k] = (sum[k] as number) / m;
      const sq = new Float64Array(c);
      for (let r = 0; r < m; r++) {
        const o = r * c;
        for (let k = 0; k < c; k++) {
          const d = (Z[o + k] as number) - (mean[k] as number);
          sq[k] = (sq[k] as number) + d * d;
        }
      }
      for (let k = 0; k < c; k++) {
        st[k] = (mean[k] as number) + (B[k] as number);
        st[c + k] = (sq[k] as number) / m;
      }
    } else {
      st.set(rm as Float32Array, 0);
      st.set(rv as Float32Array, c);
    }
    const scale = new Float32Array(c);
    const shift = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      const s = (gamma as Float32Array)[k] as number / Math.sqrt((st[c + k] as number) + eps);
      scale[k] = s;
      shift[k] = ((beta as Float32Array)[k] as number) + ((B[k] as number) - (st[k] as number)) * s;
    }
    const Y = y as Float32Array;
    const A = arg as Float32Array;
    const ho = Math.floor(h / 2);
    const wo = Math.floor(w / 2);
    let out = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++, out += c) {
          const p0 = ((b * h + 2 * i) * w + 2 * j) * c;
          const p1 = p0 + c;
          const p2 = p0 + w * c;
          const p3 = p2 + c;
          for (let k = 0; k < c; k++) {
            const s = scale[k] as number;
            const t = shift[k] as number;
            let best = (Z[p0 + k] as number) * s + t;
            let idx = 0;
            const v1 = (Z[p1 + k] as number) * s + t;
            if (v1 > best) { best = v1; idx = 1; }
            const v2 = (Z[p2 + k] as number) * s + t;
            if (v2 > best) { best = v2; idx = 2; }
            const v3 = (Z[p3 + k] as number) * s + t;
            if (v3 > best) { best = v3; idx = 3; }
            if (best > 0) {
              Y[out + k] = best;
              A[out + k] = idx;
            } else {
              Y[out + k] = 0;
              A[out + k] = -1;
            }
          }
        }
      }
    }
  },
});

/**
 * inputs: dy [N,Ho,Wo,C], arg, z [N*H*W, C], bias, gamma, stats [2,C]; attrs n,h,w,eps,needNhwc.
 * outputs: dz [N*H*W, C] (NHWC; left as the scattered dBN when needNhwc=0), dzT [C, N*H*W],
 *          dparams [3, C] = (dgamma, dbeta, dbias).
 */
registerRawKernel({
  name: BN_RELU_POOL_GRAD,
  outShapes: ([, , zs]) => {
    const [m, c] = zs as [number, number];
    return [[m, c], [c, m], [3, c]];
  },
  run: ([dy, arg, z, bias, gamma, stats], [dz, dzT, dp], at, [, , zs]) => {
    const [m, c] = zs as [number, number];
    const n = a(at, 'n');
    const h = a(at, 'h');
    const w = a(at, 'w');
    const eps = a(at, 'eps');
    const DZ = dz as Float32Array;
    const DY = dy as Float32Array;
    const A = arg as Float32Array;
    const Z = z as Float32Array;
    const st = stats as Float32Array;
    DZ.fill(0);
    const ho = Math.floor(h / 2);
    const wo = Math.floor(w / 2);
    let o = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++, o += c) {
          const p0 = ((b * h + 2 * i) * w + 2 * j) * c;
          for (let k = 0; k < c; k++) {
            const idx = A[o + k] as number;
            if (idx < 0) continue;
            const p = p0 + (idx & 1) * c + (idx >> 1) * w * c;
            DZ[p + k] = DY[o + k] as number;
          }
        }
      }
    }
    const mean = new Float32Array(c);
    const inv = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      mean[k] = (st[k] as number) - ((bias as Float32Array)[k] as number);
      inv[k] = 1 / Math.sqrt((st[c + k] as number) + eps);
    }
    const dbeta = new Float64Array(c);
    const dgamma = new Float64Array(c);
    for (let r = 0; r < m; r++) {
      const off = r * c;
      for (let k = 0; k < c; k++) {
        const g = DZ[off + k] as number;
        if (g === 0) continue;
        dbeta[k] = (dbeta[k] as number) + g;
        dgamma[k] = (dgamma[k] as number) + g * ((Z[off + k] as number) - (mean[k] as number)) * (inv[k] as number);
      }
    }
    const k1 = new Float32Array(c);
    const k2 = new Float32Array(c);
    const k3 = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      const gi = ((gamma as Float32Array)[k] as number) * (inv[k] as number);
      k1[k] = gi;
      k2[k] = (gi * (dbeta[k] as number)) / m;
      k3[k] = (gi * (dgamma[k] as number) * (inv[k] as number)) / m;
    }
    const T = dzT as Float32Array;
    const dbias = new Float64Array(c);
    const keepNhwc = a(at, 'needNhwc') === 1;
    for (let r = 0; r < m; r++) {
      const off = r * c;
      for (let k = 0; k < c; k++) {
        // dz = gamma*inv*(dBN - dbeta/m - xhat*dgamma/m), xhat = (z-mean)*inv
        const v = (k1[k] as number) * (DZ[off + k] as number) - (k2[k] as number) - ((Z[off + k] as number) - (mean[k] as number)) * (k3[k] as number);
        if (keepNhwc) DZ[off + k] = v;
        T[k * m + r] = v;
        dbias[k] = (dbias[k] as number) + v;
      }
    }
    const P = dp as Float32Array;
    for (let k = 0; k < c; k++) {
      P[k] = dgamma[k] as number;
      P[c + k] = dbeta[k] as number;
      P[2 * c + k] = dbias[k] as number;
    }
  },
});
