/**
 * SGD with momentum and weight decay, PyTorch semantics (dampening 0, no Nesterov):
 *   g += wd * w (+ mu * (w - w_global) for FedProx) (+ c - c_i for SCAFFOLD);
 *   buf = m * buf + g;  w -= lr * buf
 * on trainable tensors; BatchNorm running statistics follow torch's momentum-0.1 update.
 */
import { layoutOffsets, specSize, type WeightSet } from '../../core/weights';
import { BN_MOMENTUM } from '../models/types';

export interface SgdConfig {
  lr: number;
  momentum: number;
  weightDecay: number;
  /** FedProx mu; the proximal anchor is `proxAnchor`. */
  proxMu?: number;
}

/**
 * SCAFFOLD control variates (Karimireddy et al. 2020), flat in weight-set layout: the step
 * adds c - c_i to the gradient, as the reference code adds it to p.grad before optimizer.step()
 * (so after weight decay's gradient term and before momentum).
 */
export interface ControlVariates {
  /** c: the server's control variate of the round. */
  server: Float32Array;
  /** c_i: this client's control variate. */
  client: Float32Array;
}

export interface SgdState {
  buf: Float32Array;
  /** torch initialises the buffer with the first gradient. */
  started: boolean;
}

export function createSgdState(size: number): SgdState {
  return { buf: new Float32Array(size), started: false };
}

/** Ranges [start, end) of trainable tensors in the flat layout. */
/** Offsets of the tensors SGD updates: the trainable ones, less any the caller holds fixed. */
export function trainableRanges(ws: WeightSet, frozen: (name: string) => boolean = () => false): [number, number][] {
  const offs = layoutOffsets(ws.specs);
  const out: [number, number][] = [];
  ws.specs.forEach((s, i) => {
    if (s.trainable && !frozen(s.name)) out.push([offs[i] as number, (offs[i] as number) + specSize(s)]);
  });
  return out;
}

export function sgdStep(
  w: Float32Array,
  grad: Float32Array,
  state: SgdState,
  ranges: [number, number][],
  cfg: SgdConfig,
  lr: number,
  proxAnchor?: Float32Array,
  control?: ControlVariates,
): void {
  if (control) {
    correctedStep(w, grad, state, ranges, cfg, lr, control, proxAnchor);
    return;
  }
  const { momentum: m, weightDecay: wd } = cfg;
  const mu = cfg.proxMu ?? 0;
  const buf = state.buf;
  for (const [s, e] of ranges) {
    for (let i = s; i < e; i++) {
      const wi = w[i] as number;
      let g = (grad[i] as number) + wd * wi;
      if (mu !== 0 && proxAnchor) g += mu * (wi - (proxAnchor[i] as number));
      const b = state.started ? m * (buf[i] as number) + g : g;
      buf[i] = b;
      w[i] = wi - lr * b;
    }
  }
  state.started = true;
}

/** sgdStep with the SCAFFOLD correction; a separate loop keeps the plain step's hot path unchanged. */
function correctedStep(
  w: Float32Array,
  grad: Float32Array,
  state: SgdState,
  ranges: [number, number][],
  cfg: SgdConfig,
  lr: number,
  control: ControlVariates,
  proxAnchor?: Float32Array,
): void {
  const { momentum: m, weightDecay: wd } = cfg;
  const mu = cfg.proxMu ?? 0;
  const buf = state.buf;
  const c = control.server;
  const ci = control.client;
  for (const [s, e] of ranges) {
    for (let i = s; i < e; i++) {
      const wi = w[i] as number;
      let g = (grad[i] as number) + wd * wi;
      if (mu !== 0 && proxAnchor) g += mu * (wi - (proxAnchor[i] as number));
      // Skipping a zero correction keeps a zero-control step bit-identical to plain SGD (signed zeros included).
      const d = (c[i] as number) - (ci[i] as number);
      if (d !== 0) g += d;
      const b = state.started ? m * (buf[i] as number) + g : g;
      buf[i] = b;
      w[i] = wi - lr * b;
    }
  }
  state.started = true;
}

/** running = (1 - 0.1) * running + 0.1 * batch, with the unbiased variance (count / (count - 1)). */
export function updateRunningStats(runMean: Float32Array, runVar: Float32Array, batchStats: Float32Array, count: number): void {
  const c = runMean.length;
  const unbias = count > 1 ? count / (count - 1) : 1;
  for (let k = 0; k < c; k++) {
    runMean[k] = (1 - BN_MOMENTUM) * (runMean[k] as number) + BN_MOMENTUM * (batchStats[k] as number);
    runVar[k] = (1 - BN_MOMENTUM) * (runVar[k] as number) + BN_MOMENTUM * (batchStats[c + k] as number) * unbias;
  }
}
