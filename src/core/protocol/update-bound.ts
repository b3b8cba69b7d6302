// The bound on one clinic's update, ||w - w_global||: the server clips or refuses a plaintext
// update past it; under secure aggregation the clinic clips its own (the server sees no update).
import { l2Norm } from '../aggregation';

/** The bound in force for a round: min(absolute, relative x ||base||). */
export function updateNormBound(base: Float32Array, e: { maxUpdateNorm?: number | undefined; maxRelativeUpdateNorm: number }): number {
  return Math.min(e.maxUpdateNorm ?? Infinity, e.maxRelativeUpdateNorm * l2Norm(base));
}
