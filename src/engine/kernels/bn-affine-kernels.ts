/**
 * BatchNorm's elementwise halves as single passes: the training forward (affine + ReLU + 2x2
 * max pool, keeping the ReLU output for the pool's backward) and the backward
 * dz = dPre * scale + z * k3 + k0, optionally written transposed ([C, M], what layer 1's
 * filter gradient wants). Stock tfjs needs 3-4 ops with [C] broadcasts for each.
 */
import { registerRawKernel, type Attrs } from './raw-kernel';

export const BN_RELU_POOL = 'FairfalBnReluPool';
export const BN_BACKWARD = 'FairfalBnBackward';

const at = (a: Attrs, k: string): number => a[k] as number;

/** inputs z [N*H*W, C], scale [C], shift [C]; attrs n, h, w. outputs relu [N,H,W,C], pooled [N,H/2,W/2,C] (floor). */
registerRawKernel({
  name: BN_RELU_POOL,
  outShapes: ([zs], a) => {
    const c = (zs as number[])[1] as number;
    const [n, h, w] = [at(a, 'n'), at(a, 'h'), at(a, 'w')];
    return [[n, h, w, c], [n, Math.floor(h / 2), Math.floor(w / 2), c]];
  },
  runSimd: (k, [z, scale, shift], [relu, pooled], a, [zs]) => {
    const c = (zs as number[])[1] as number;
    if (c % 4 !== 0) return false;
    k.fn.bn_relu_pool(z as number, scale as number, shift as number, at(a, 'n'), at(a, 'h'), at(a, 'w'), c, relu as number, pooled as number);
    return true;
  },
  run: ([z, scale, shift], [relu, pooled], a, [zs]) => {
    const c = (zs as number[])[1] as number;
    const [n, h, w] = [at(a, 'n'), at(a, 'h'), at(a, 'w')];
    const Z = z as Float32Array;
    const S = scale as Float32Array;
    const T = shift as Float32Array;
    const R = relu as Float32Array;
    const P = pooled as Float32Array;
    for (let i = 0; i < n * h * w * c; i++) {
      const k = i % c;
      R[i] = Math.max(0, (Z[i] as number) * (S[k] as number) + (T[k] as number));
    }
    const ho = Math.floor(h / 2);
    const wo = Math.floor(w / 2);
    let o = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++, o += c) {
          const p = ((b * h + 2 * i) * w + 2 * j) * c;
          for (let k = 0; k < c; k++) {
            P[o + k] = Math.max(R[p + k] as number, R[p + c + k] as number, R[p + w * c + k] as number, R[p + w * c + c + k] as number);
          }
        }
      }
    }
  },
});

/** inputs dPre [M, C], z [M, C], scale [C], k3 [C], k0 [C]; attr transposed (0/1). output dz [M, C] or [C, M]. */
registerRawKernel({
  name: BN_BACKWARD,
  outShapes: ([ds], a) => {
    const [m, c] = ds as [number, number];
    return [at(a, 'transposed') ? [c, m] : [m, c]];
  },
  runSimd: (k, [dPre, z, scale, k3, k0], [dz], a, [ds]) => {
    const [m, c] = ds as [number, number];
    const t = at(a, 'transposed') === 1;
    if (c % 4 !== 0 || (t && m % 4 !== 0)) return false;
    (t ? k.fn.bn_backward_t : k.fn.bn_backward)(dPre as number, z as number, scale as number, k3 as number, k0 as number, m, c, dz as number);
    return true;
  },
  run: ([dPre, z, scale, k3, k0], [dz], a, [ds]) => {
    const [m, c] = ds as [number, number];
    const t = at(a, 'transposed') === 1;
    const D = dPre as Float32Array;
    const Z = z as Float32Array;
    const S = scale as Float32Array;
    const K3 = k3 as Float32Array;
    const K0 = k0 as Float32Array;
    const O = dz as Float32Array;
    for (let r = 0; r < m; r++) {
      for (let k = 0; k < c; k++) {
        const i = r * c + k;
        O[t ? k * m + r : i] = (D[i] as number) * (S[k] as number) + (Z[i] as number) * (K3[k] as number) + (K0[k] as number);
      }
    }
  },
});

export const BN_RELU = 'FairfalBnRelu';

/** A block without pool (ResNet units): inputs z [N*H*W, C], scale [C], shift [C]; attrs n, h, w. output relu [N,H,W,C]. */
registerRawKernel({
  name: BN_RELU,
  outShapes: ([zs], a) => [[at(a, 'n'), at(a, 'h'), at(a, 'w'), (zs as number[])[1] as number]],
  run: ([z, scale, shift], [relu], _a, [zs]) => {
    const [m, c] = zs as [number, number];
    const Z = z as Float32Array;
    const S = scale as Float32Array;
    const T = shift as Float32Array;
    const R = relu as Float32Array;
    for (let r = 0, i = 0; r < m; r++) {
      for (let k = 0; k < c; k++, i++) {
        const v = (Z[i] as number) * (S[k] as number) + (T[k] as number);
        R[i] = v > 0 ? v : 0;
      }
    }
  },
});
