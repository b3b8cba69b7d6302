/**
 * One interface for every query strategy (FairFAL and the paper's baselines), so the
 * engine, simulator and UI can swap them by name and show why each sample was chosen.
 */
import { type FairFALReason } from '../fairfal/select';
import { type ModelChoice, type QueryModelDecision } from '../fairfal/queryModel';
import { type Matrix } from '../matrix';
import { type Rng } from '../rng';

/** Everything a strategy may read about one client. Unlabeled matrices have N rows. */
export interface QueryInput {
  numClasses: number;
  /** N; optional when any unlabeled matrix is given (then it must agree). */
  poolSize?: number;
  /** N x C softmax of the global model on the unlabeled pool. */
  globalProbs?: Matrix;
  /** N x C softmax of the local-only model on the unlabeled pool. */
  localProbs?: Matrix;
  /** N x D penultimate features of the global model on the unlabeled pool. */
  globalFeatures?: Matrix;
  /** N x D penultimate features of the local-only model on the unlabeled pool. */
  localFeatures?: Matrix;
  /** L x D global-model penultimate features of the labeled set. */
  labeledGlobalFeatures?: Matrix;
  /** L true labels. */
  labeledLabels?: ArrayLike<number>;
  /** L x C softmax of the global / local-only model on the labeled set. */
  labeledGlobalProbs?: Matrix;
  labeledLocalProbs?: Matrix;
  /** C labeled counts; derived from labeledLabels when absent. */
  labeledCounts?: ArrayLike<number>;
  /** FairFAL's federation-wide mean of gamma_k (frozen after the first cycle). */
  gammaBar?: number;
}

export type QueryInputKey = Exclude<keyof QueryInput, 'numClasses' | 'poolSize' | 'gammaBar'>;

/** Why a baseline picked a sample: its score under the strategy's own metric. */
export interface ScoreReason {
  kind: 'score';
  index: number;
  /** 0-based pick order. */
  rank: number;
  metric:
    | 'random'
    | 'entropy'
    | 'margin'
    | 'kmeanspp-sq-distance'
    | 'kcenter-sq-distance'
    | 'cluster-entropy'
    | 'kafal-symmetric-kl';
  /** The metric's value at pick time; null where it has none (random, first center). */
  value: number | null;
  /** LoGo: the k-means cluster the sample represents. */
  cluster?: number;
}

export type QueryReason = ScoreReason | FairFALReason;

export interface FairFALDetails {
  gammaK: number;
  divergence: number;
  gammaBar: number;
  /** 'input' when the server's gamma_bar was given, 'own' when this client's gamma_k stood in. */
  gammaBarSource: 'input' | 'own';
  queryModel: QueryModelDecision;
  gradSource: ModelChoice;
  quota: number[];
  perClass: number[][];
  /** Prototype pseudo-label of every pool sample (what the quota buckets are made of). */
  pseudoLabels: Int32Array;
  /** Per class, the stage-1 candidates (pool indices, ascending) stage 2 chose from. */
  candidates: number[][];
}

export interface QuerySelection {
  strategy: string;
  poolSize: number;
  /** Effective budget: min(requested, pool size). */
  budget: number;
  /** Selected pool indices, ascending, unique. */
  selected: number[];
  /** One reason per selected sample, in pick order (FairFAL: class by class, then pick order). */
  reasons: QueryReason[];
  fairfal?: FairFALDetails;
}

export interface QueryStrategy {
  readonly name: string;
  /** Inputs that must be present (labeledCounts is satisfied by labeledLabels). */
  readonly requires: readonly QueryInputKey[];
  /**
   * Validates the input (typed QueryInputError on any problem), then selects
   * min(budget, N) distinct pool indices. Deterministic for the same input and rng seed.
   */
  select(input: QueryInput, budget: number, rng: Rng): QuerySelection;
}
