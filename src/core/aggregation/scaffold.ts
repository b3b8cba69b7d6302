// SCAFFOLD server step (Karimireddy et al. 2020, Alg. 1, lines 16-17):
//   x <- x + eta_g * mean_i(y_i - x)
//   c <- c + (|S| / N) * mean_i(delta c_i)
// Clients train with the correction (c - c_i) and upload y_i and delta c_i = c_i+ - c_i.
import { AggregationInputError, commonLength } from './vector-math';

export interface ScaffoldUpdate {
  weights: Float32Array;
  controlDelta: Float32Array;
}

export interface ScaffoldResult {
  weights: Float32Array;
  control: Float32Array;
}

export function scaffoldAggregate(
  global: Float32Array,
  control: Float32Array,
  updates: readonly ScaffoldUpdate[],
  totalClients: number,
  globalLearningRate = 1,
): ScaffoldResult {
  const n = commonLength([global, control, ...updates.flatMap((u) => [u.weights, u.controlDelta])]);
  if (updates.length === 0) throw new AggregationInputError('nothing to aggregate: no updates');
  if (!(totalClients >= updates.length)) {
    throw new AggregationInputError(`total clients ${totalClients} is fewer than the ${updates.length} updates`);
  }
  const m = updates.length;
  const dx = new Float64Array(n);
  const dc = new Float64Array(n);
  for (const u of updates) {
    for (let i = 0; i < n; i++) {
      dx[i] = (dx[i] as number) + ((u.weights[i] as number) - (global[i] as number));
      dc[i] = (dc[i] as number) + (u.controlDelta[i] as number);
    }
  }
  const weights = new Float32Array(n);
  const nextControl = new Float32Array(n);
  const controlScale = 1 / totalClients; // (|S|/N) * (1/|S|)
  for (let i = 0; i < n; i++) {
    weights[i] = (global[i] as number) + (globalLearningRate * (dx[i] as number)) / m;
    nextControl[i] = (control[i] as number) + controlScale * (dc[i] as number);
  }
  return { weights, control: nextControl };
}
