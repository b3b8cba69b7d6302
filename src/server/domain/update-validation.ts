// Checks an uploaded update against its round BEFORE anything is stored.
import { allFinite, l2Distance } from '../../core/aggregation';
import { decodeUpdate, UpdateFormatError, type DecodedUpdate } from '../../shared/wire';
import { InvalidUpdateError } from './errors';

export interface RoundExpectation {
  roundId: number;
  baseHash: string;
  paramCount: number;
  vectors: 1 | 2;
  /** Absolute bound on ||w - w_global||, if the federation set one. */
  maxUpdateNorm: number | undefined;
  /** The bound relative to ||w_global||. */
  maxRelativeUpdateNorm: number;
  /** Accept an update over the bound (it is clipped when aggregated). */
  clipUpdates: boolean;
  maxSampleCount: number;
  /** This client's count in an earlier round of the same cycle, and how far it may move. */
  previousSampleCount: number | null;
  maxSampleCountStep: number;
}

export { updateNormBound } from '../../core/protocol/update-bound';
import { updateNormBound } from '../../core/protocol/update-bound';

export interface ValidatedUpdate extends DecodedUpdate {
  /** L2 norm of (weights - base weights). */
  norm: number;
}

/** Largest body worth reading for a round (header + vectors); larger is rejected while streaming. */
export function maxUpdateBodyBytes(paramCount: number, vectors: 1 | 2): number {
  return 16 + 4096 + 4 * vectors * paramCount;
}

export function validateUpdate(body: Uint8Array, expect: RoundExpectation, baseWeights: () => Float32Array): ValidatedUpdate {
  let decoded: DecodedUpdate;
  try {
    decoded = decodeUpdate(body, { copy: false }); // validation only reads
  } catch (e) {
    if (e instanceof UpdateFormatError) throw new InvalidUpdateError(e.message);
    throw e;
  }
  const { header, weights, controlDelta } = decoded;
  if (header.roundId !== expect.roundId) {
    throw new InvalidUpdateError(`update header names round ${header.roundId} but was posted to round ${expect.roundId}`);
  }
  if (header.baseModelHash !== expect.baseHash) {
    throw new InvalidUpdateError(`update was trained from model ${header.baseModelHash.slice(0, 12)}, round ${expect.roundId} uses ${expect.baseHash.slice(0, 12)}`);
  }
  if (weights.length !== expect.paramCount) {
    throw new InvalidUpdateError(`update has ${weights.length} parameters, the model has ${expect.paramCount}`);
  }
  const vectors = controlDelta ? 2 : 1;
  if (vectors !== expect.vectors) {
    throw new InvalidUpdateError(
      expect.vectors === 2 ? 'SCAFFOLD update must carry weights and a control delta (2 vectors)' : `update must carry 1 vector, got ${vectors}`,
    );
  }
  const n = header.sampleCount;
  if (n > expect.maxSampleCount) {
    throw new InvalidUpdateError(`update declares ${n} labeled samples; this federation allows at most ${expect.maxSampleCount} per client`);
  }
  const prev = expect.previousSampleCount;
  if (prev !== null && (n < prev || n - prev > expect.maxSampleCountStep)) {
    throw new InvalidUpdateError(
      `update declares ${n} labeled samples after ${prev} earlier in this cycle; within a cycle the count may only grow, by at most ${expect.maxSampleCountStep}`,
    );
  }
  if (!allFinite(weights)) throw new InvalidUpdateError('update weights contain NaN or Infinity');
  if (controlDelta && !allFinite(controlDelta)) throw new InvalidUpdateError('update control delta contains NaN or Infinity');
  const base = baseWeights();
  const norm = l2Distance(weights, base);
  const bound = updateNormBound(base, expect);
  if (!expect.clipUpdates && !(norm <= bound)) {
    throw new InvalidUpdateError(`update norm ||w - w_global|| = ${norm.toPrecision(4)} exceeds the bound ${bound.toPrecision(4)}`);
  }
  return { ...decoded, norm };
}
