/**
 * FairFAL for one client, end to end from model outputs (Zong & Huang, "Federated Active
 * Learning Under Extreme Non-IID and Global Class Imbalance", CVPR 2026; official code:
 * chenchenzong/FairFAL `query_strategies/fairfal_sampling.py`, `FairFALSampling.query`).
 * Computes d_k and gamma_k from the labeled set, decides the uncertainty query model
 * (s_k > delta => global) and the gradient-embedding source (gamma_bar < 0.5 => global),
 * then runs the prototype / quota / two-stage selection of ./select.ts. Deterministic: no RNG.
 */
import { QueryInputError } from '../errors';
import { type Matrix } from '../matrix';
import { type FairFALDetails, type QueryInput, type QueryInputKey, type QuerySelection, type QueryStrategy } from '../strategies/types';
import { defineStrategy, type PreparedQuery, prepareQuery } from '../strategies/validate';
import {
  classBalancedMeanProbs,
  decideGradSource,
  decideQueryModel,
  globalRatio,
  predictionDivergence,
  presentClasses,
} from './queryModel';
import { fairfalSelect } from './select';

export interface FairFALOptions {
  /** Threshold on s_k for querying with the global model (0.75). */
  delta?: number;
  /** Prototype softmax temperature (1.5). */
  temperature?: number;
  /** Stage-1 oversampling factor (4). */
  kappa?: number;
}

export const FAIRFAL_REQUIRES: readonly QueryInputKey[] = [
  'globalProbs',
  'localProbs',
  'globalFeatures',
  'labeledGlobalFeatures',
  'labeledLabels',
  'labeledGlobalProbs',
  'labeledLocalProbs',
];

function checkOptions(o: FairFALOptions): Required<FairFALOptions> {
  const delta = o.delta ?? 0.75;
  const temperature = o.temperature ?? 1.5;
  const kappa = o.kappa ?? 4;
  if (!Number.isFinite(delta)) throw new QueryInputError('bad-option', `delta must be finite, got ${delta}`);
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new QueryInputError('bad-option', `temperature must be > 0, got ${temperature}`);
  }
  if (!(kappa > 0) || !Number.isFinite(kappa)) throw new QueryInputError('bad-option', `kappa must be > 0, got ${kappa}`);
  return { delta, temperature, kappa };
}

/** This client's gamma_k (uploaded once, in the first query cycle) and d_k. */
export function clientQueryStats(
  labeledGlobalProbs: Matrix,
  labeledLocalProbs: Matrix,
  labeledLabels: ArrayLike<number>,
  numClasses: number,
): { gammaK: number; divergence: number } {
  const g = classBalancedMeanProbs(labeledGlobalProbs, labeledLabels);
  const l = classBalancedMeanProbs(labeledLocalProbs, labeledLabels);
  return { gammaK: globalRatio(g, presentClasses(labeledLabels, numClasses)), divergence: predictionDivergence(g, l) };
}

function run(q: PreparedQuery, opts: Required<FairFALOptions>): Omit<QuerySelection, 'strategy' | 'poolSize' | 'budget'> {
  const input = q.input as Required<Pick<QueryInput, (typeof FAIRFAL_REQUIRES)[number]>> & QueryInput;
  const C = input.numClasses;
  if (input.labeledLabels.length === 0) {
    throw new QueryInputError('missing-input', 'FairFAL needs at least one labeled sample (prototypes and d_k)');
  }
  const { gammaK, divergence } = clientQueryStats(input.labeledGlobalProbs, input.labeledLocalProbs, input.labeledLabels, C);
  const gb = input.gammaBar;
  if (gb !== undefined && !Number.isFinite(gb)) throw new QueryInputError('non-finite', `gammaBar is ${gb}`);
  const gammaBar = gb ?? gammaK;
  const queryModel = decideQueryModel(divergence, gammaBar, opts.delta);
  const gradSource = decideGradSource(gammaBar);

  const sel = fairfalSelect({
    numClasses: C,
    unlabeledEmbeddings: input.globalFeatures,
    labeledEmbeddings: input.labeledGlobalFeatures,
    labeledLabels: input.labeledLabels,
    queryProbs: queryModel.model === 'global' ? input.globalProbs : input.localProbs,
    gradSourceProbsUnlabeled: gradSource === 'global' ? input.globalProbs : input.localProbs,
    gradSourceProbsLabeled: gradSource === 'global' ? input.labeledGlobalProbs : input.labeledLocalProbs,
    penultimateUnlabeled: input.globalFeatures,
    penultimateLabeled: input.labeledGlobalFeatures,
    budget: q.budget,
    temperature: opts.temperature,
    kappa: opts.kappa,
    queryModel: queryModel.model,
  });
  const fairfal: FairFALDetails = {
    gammaK,
    divergence,
    gammaBar,
    gammaBarSource: gb === undefined ? 'own' : 'input',
    queryModel,
    gradSource,
    quota: Array.from(sel.quota),
    perClass: sel.perClass,
    pseudoLabels: sel.pseudoLabels,
    candidates: sel.candidates,
  };
  return { selected: sel.selected, reasons: sel.reasons, fairfal };
}

/**
 * One FairFAL query. `input.gammaBar` should be the server's frozen gamma_bar; without it
 * this client's own gamma_k stands in (a one-client federation), recorded in the details.
 */
export function fairfalQuery(input: QueryInput, budget: number, options: FairFALOptions = {}): QuerySelection {
  const opts = checkOptions(options);
  const q = prepareQuery(FAIRFAL_REQUIRES, input, budget);
  return { strategy: 'fairfal', poolSize: q.poolSize, budget: q.budget, ...run(q, opts) };
}

/** FairFAL behind the common strategy interface (the RNG is unused: FairFAL is deterministic). */
export function fairfalStrategy(options: FairFALOptions = {}): QueryStrategy {
  const opts = checkOptions(options);
  return defineStrategy('fairfal', FAIRFAL_REQUIRES, (q) => run(q, opts));
}
