/** Softmax cross-entropy (mean over the batch) with its logit gradient, and the NCHW flatten. */
import { registerRawKernel, type Attrs } from './raw-kernel';

export const SOFTMAX_XENT = 'FairfalSoftmaxXent';
export const NHWC_TO_NCHW_FLAT = 'FairfalNhwcToNchwFlat';
export const NCHW_FLAT_TO_NHWC = 'FairfalNchwFlatToNhwc';

const a = (attrs: Attrs, k: string): number => attrs[k] as number;

/** inputs: logits [B,C], labels [B] (float class ids). outputs: dlogits [B,C] = (p - onehot)/B, [loss, correct]. */
registerRawKernel({
  name: SOFTMAX_XENT,
  outShapes: ([s]) => [s as number[], [2]],
  run: ([logits, labels], [dl, lc], _at, [s]) => {
    const [bsz, c] = s as [number, number];
    const L = logits as Float32Array;
    const D = dl as Float32Array;
    let loss = 0;
    let correct = 0;
    for (let b = 0; b < bsz; b++) {
      const o = b * c;
      let mx = -Infinity;
      let arg = 0;
      for (let k = 0; k < c; k++) {
        const v = L[o + k] as number;
        if (v > mx) { mx = v; arg = k; }
      }
      let sum = 0;
      for (let k = 0; k < c; k++) sum += Math.exp((L[o + k] as number) - mx);
      const y = (labels as Float32Array)[b] as number;
      loss += Math.log(sum) - ((L[o + y] as number) - mx);
      if (arg === y) correct++;
      for (let k = 0; k < c; k++) D[o + k] = (Math.exp((L[o + k] as number) - mx) / sum - (k === y ? 1 : 0)) / bsz;
    }
    (lc as Float32Array)[0] = loss / bsz;
    (lc as Float32Array)[1] = correct;
  },
});

/** [N,H,W,C] -> [N, C*H*W] in PyTorch's flatten order (channel-major). */
registerRawKernel({
  name: NHWC_TO_NCHW_FLAT,
  outShapes: ([s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    return [[n, c * h * w]];
  },
  run: ([x], [out], _a, [s]) => {
    const [n, h, w, c] = s as [number, number, number, number];
    const X = x as Float32Array;
    const O = out as Float32Array;
    const hw = h * w;
    for (let b = 0; b < n; b++) {
      for (let p = 0; p < hw; p++) {
        const src = (b * hw + p) * c;
        const dst = b * hw * c + p;
        for (let k = 0; k < c; k++) O[dst + k * hw] = X[src + k] as number;
      }
    }
  },
});

/** Inverse of the above: [N, C*H*W] -> [N,H,W,C]; attrs h, w, c. */
registerRawKernel({
  name: NCHW_FLAT_TO_NHWC,
  outShapes: ([s], at) => [[(s as number[])[0] as number, a(at, 'h'), a(at, 'w'), a(at, 'c')]],
  run: ([x], [out], at, [s]) => {
    const n = (s as number[])[0] as number;
    const h = a(at, 'h');
    const w = a(at, 'w');
    const c = a(at, 'c');
    const X = x as Float32Array;
    const O = out as Float32Array;
    const hw = h * w;
    for (let b = 0; b < n; b++) {
      for (let p = 0; p < hw; p++) {
        const dst = (b * hw + p) * c;
        const src = b * hw * c + p;
        for (let k = 0; k < c; k++) O[dst + k] = X[src + k * hw] as number;
      }
    }
  },
});
