/**
 * FairFAL steps 3-5 for one client, from model outputs to the query: prototype pseudo-labels,
 * class quota, stage 1 (top kappa * quota by normalised entropy) and stage 2 (greedy
 * k-center on gradient embeddings, seeded by same-class labeled anchors). Mirrors the
 * official `balanced_sample_by_pred_kmeans_maxscore` with distance = "euclidean"
 * (squared) and anchor_mode = "same_class".
 */
import { gradEmbeddingFactors, gradSqDist, type GradEmbeddingFactors } from '../gradEmbedding';
import { greedyKCenter } from '../kcenter';
import { type Matrix } from '../matrix';
import { argmaxRows, normalizedEntropy, topKDescending } from '../uncertainty';
import { classPrototypes, prototypeProbs } from './prototypes';
import { bucketsByLabel, classQuota } from './quota';
import { type ModelChoice } from './queryModel';

export interface FairFALSelectInput {
  numClasses: number;
  /** N x D global-model penultimate features of the unlabeled pool (for prototypes). */
  unlabeledEmbeddings: Matrix;
  /** L x D global-model penultimate features of the labeled set. */
  labeledEmbeddings: Matrix;
  /** L true labels. */
  labeledLabels: ArrayLike<number>;
  /** N x C softmax of the uncertainty query model. */
  queryProbs: Matrix;
  /** N x C / L x C softmax of the gradient-embedding source model. */
  gradSourceProbsUnlabeled: Matrix;
  gradSourceProbsLabeled: Matrix;
  /** N x G / L x G penultimate features used inside the gradient embeddings. */
  penultimateUnlabeled: Matrix;
  penultimateLabeled: Matrix;
  /** Client budget b (capped at N). */
  budget: number;
  /** Prototype softmax temperature T (1.5). */
  temperature?: number;
  /** Stage-1 oversampling factor kappa (4). */
  kappa?: number;
  /** Only recorded in the reasons. */
  queryModel?: ModelChoice;
}

/** Why one sample was queried. */
export interface FairFALReason {
  kind: 'fairfal';
  /** Index into the unlabeled pool. */
  index: number;
  pseudoLabel: number;
  /** p(pseudoLabel | x) under the prototype softmax. */
  prototypeProb: number;
  normalizedEntropy: number;
  queryModel: ModelChoice;
  /**
   * Squared distance to the nearest center (anchor or earlier pick) when picked; null for
   * the uncertainty seed of an anchor-less class and when the whole candidate set was taken.
   */
  kcenterDistance: number | null;
  /** 0-based pick order within its class. */
  rank: number;
}

export interface FairFALSelection {
  /** Selected pool indices, ascending, unique. */
  selected: number[];
  /** Per class, selected pool indices ascending. */
  perClass: number[][];
  quota: Int32Array;
  /** One reason per selected sample, by class then pick order. */
  reasons: FairFALReason[];
  prototypeProbs: Matrix<Float64Array>;
  pseudoLabels: Int32Array;
  normalizedEntropy: Float64Array;
  /** Per class, the stage-1 candidates (pool indices, ascending): what stage 2 chose from. */
  candidates: number[][];
}

export function fairfalSelect(input: FairFALSelectInput): FairFALSelection {
  const C = input.numClasses;
  const T = input.temperature ?? 1.5;
  const kappa = input.kappa ?? 4;
  const queryModel = input.queryModel ?? 'global';

  const proto = classPrototypes(input.labeledEmbeddings, input.labeledLabels, C);
  const pProbs = prototypeProbs(input.unlabeledEmbeddings, proto, T);
  const pseudo = argmaxRows(pProbs);
  const H = normalizedEntropy(input.queryProbs);
  const buckets = bucketsByLabel(pseudo, C);
  const quota = classQuota(
    buckets.map((b) => b.length),
    input.budget,
  );

  const unl = gradEmbeddingFactors(input.penultimateUnlabeled, input.gradSourceProbsUnlabeled);
  const lab = gradEmbeddingFactors(input.penultimateLabeled, input.gradSourceProbsLabeled, input.labeledLabels);
  const anchorsByClass = bucketsByLabel(input.labeledLabels, C);

  const perClass: number[][] = Array.from({ length: C }, () => []);
  const candidates: number[][] = Array.from({ length: C }, () => []);
  const reasons: FairFALReason[] = [];
  for (let c = 0; c < C; c++) {
    const bucket = buckets[c] as Int32Array;
    const q = quota[c] as number;
    if (q <= 0 || bucket.length === 0) continue;
    const m = Math.min(bucket.length, Math.max(1, Math.floor(kappa * q)));
    const cand = topKDescending(H, m, bucket);
    candidates[c] = Array.from(cand).sort((a, b) => a - b);
    const { picks, distances } = pickInClass(cand, q, H, unl, lab, anchorsByClass[c] as Int32Array);
    for (let r = 0; r < picks.length; r++) {
      const index = cand[picks[r] as number] as number;
      const d = distances[r] as number;
      perClass[c]?.push(index);
      reasons.push({
        kind: 'fairfal',
        index,
        pseudoLabel: c,
        prototypeProb: pProbs.data[index * C + c] as number,
        normalizedEntropy: H[index] as number,
        queryModel,
        kcenterDistance: Number.isFinite(d) ? d : null,
        rank: r,
      });
    }
  }
  for (const list of perClass) list.sort((a, b) => a - b);
  const selected = Array.from(new Set(perClass.flat())).sort((a, b) => a - b);
  return { selected, perClass, quota, reasons, prototypeProbs: pProbs, pseudoLabels: pseudo, normalizedEntropy: H, candidates };
}

/** Stage 2 for one class: positions into `cand` with their pick-time distances. */
function pickInClass(
  cand: Int32Array,
  q: number,
  H: Float64Array,
  unl: GradEmbeddingFactors,
  lab: GradEmbeddingFactors,
  anchors: Int32Array,
): { picks: Int32Array; distances: Float64Array } {
  const M = cand.length;
  if (M <= q) {
    const picks = new Int32Array(M);
    for (let i = 0; i < M; i++) picks[i] = i;
    return { picks, distances: new Float64Array(M).fill(NaN) };
  }
  const minDist = new Float64Array(M);
  let seed: number | undefined;
  if (anchors.length > 0) {
    for (let i = 0; i < M; i++) {
      let best = Infinity;
      const ci = cand[i] as number;
      for (let a = 0; a < anchors.length; a++) {
        const d = gradSqDist(unl, ci, lab, anchors[a] as number);
        if (d < best) best = d;
      }
      minDist[i] = best;
    }
  } else {
    // Candidates are sorted by entropy, so argmax(score) is the first (first max on ties).
    seed = 0;
    let best = H[cand[0] as number] as number;
    for (let i = 1; i < M; i++) {
      if ((H[cand[i] as number] as number) > best) {
        best = H[cand[i] as number] as number;
        seed = i;
      }
    }
    minDist.fill(Infinity);
  }
  const update = (j: number, md: Float64Array): void => {
    const gj = cand[j] as number;
    for (let i = 0; i < M; i++) {
      const d = gradSqDist(unl, cand[i] as number, unl, gj);
      if (d < (md[i] as number)) md[i] = d;
    }
  };
  return greedyKCenter(minDist, q, update, { seed, stopAtNonFinite: true });
}
