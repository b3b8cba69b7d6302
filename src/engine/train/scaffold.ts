/**
 * SCAFFOLD's client control-variate update, option II of Karimireddy et al. 2020 (Alg. 1 l.12):
 *   c_i+ = c_i - c + (x - y_i) / (K * lr)
 * with x the weights training started from and y_i the trained weights. K * lr is taken as the
 * sum of the learning rates the K steps actually used (TrainResult.lrSum), which equals K * lr
 * for a constant lr and stays an lr-weighted mean of the corrected gradients when a schedule
 * changes lr. Only trainable parameters get a control variate: BatchNorm running buffers are not
 * trained by gradients, so their entries stay 0 (and so does their delta).
 */
import type { TensorSpec } from '../../core/weights';
import { layoutOffsets, specSize } from '../../core/weights';

export interface ClientControlUpdate {
  /** c_i+: the client's next control variate. */
  control: Float32Array;
  /** c_i+ - c_i: what a SCAFFOLD update uploads next to the weights. */
  delta: Float32Array;
}

export class ScaffoldInputError extends Error {
  override readonly name = 'ScaffoldInputError';
}

export function nextClientControl(
  specs: readonly TensorSpec[],
  start: Float32Array,
  trained: Float32Array,
  serverControl: Float32Array,
  clientControl: Float32Array,
  lrSum: number,
): ClientControlUpdate {
  const n = start.length;
  if (trained.length !== n || serverControl.length !== n || clientControl.length !== n) {
    throw new ScaffoldInputError(`SCAFFOLD vectors differ in length: start ${n}, trained ${trained.length}, c ${serverControl.length}, c_i ${clientControl.length}`);
  }
  if (!(lrSum > 0) || !Number.isFinite(lrSum)) throw new ScaffoldInputError(`SCAFFOLD needs at least one training step with a positive lr (lr sum ${lrSum})`);
  const control = new Float32Array(n);
  const delta = new Float32Array(n);
  const offs = layoutOffsets(specs);
  const last = specs.length ? (offs[specs.length - 1] as number) + specSize(specs[specs.length - 1] as TensorSpec) : 0;
  if (last !== n) throw new ScaffoldInputError(`weight layout covers ${last} values, vectors hold ${n}`);
  specs.forEach((s, t) => {
    if (!s.trainable) return;
    const from = offs[t] as number;
    const to = from + specSize(s);
    for (let i = from; i < to; i++) {
      const ci = clientControl[i] as number;
      const next = ci - (serverControl[i] as number) + ((start[i] as number) - (trained[i] as number)) / lrSum;
      control[i] = next;
      delta[i] = next - ci;
    }
  });
  return { control, delta };
}
