/**
 * The three score-only baselines.
 *
 * Random: uniform sampling without replacement from the pool, driven by the seeded RNG
 * (LoGo repo `query_strategies/random_sampling.py`, the paper's "Random" row).
 *
 * Entropy (Shannon 1948 / Settles 2009; official code: raymin0223/LoGo
 * `query_strategies/entropy_sampling.py`): the b samples of highest predictive entropy
 * under the global model (or the local-only model, `query_model_mode = local_only`),
 * with log 0 treated as 0 as in the official code. Ties: lower pool index first.
 *
 * Margin (Scheffer et al. 2001; raymin0223/LoGo `margin_sampling.py`): the b samples with
 * the smallest top-1 minus top-2 probability. Ties: lower pool index first.
 */
import { entropy, margin, topKAscending, topKDescending } from '../uncertainty';
import { type Matrix } from '../matrix';
import { type QueryStrategy, type ScoreReason } from './types';
import { defineStrategy, sortedIndices } from './validate';

export type ModelSide = 'global' | 'local';

export const randomStrategy: QueryStrategy = defineStrategy('random', [], (q, rng) => {
  // Partial Fisher-Yates: O(N) memory, b swaps.
  const N = q.poolSize;
  const idx = new Int32Array(N);
  for (let i = 0; i < N; i++) idx[i] = i;
  for (let i = 0; i < q.budget; i++) {
    const j = i + rng.int(N - i);
    const t = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = t;
  }
  const picks = idx.subarray(0, q.budget);
  const reasons: ScoreReason[] = Array.from(picks, (index, rank) => ({ kind: 'score', index, rank, metric: 'random', value: null }));
  return { selected: sortedIndices(picks), reasons };
});

export function entropyStrategy(model: ModelSide = 'global'): QueryStrategy {
  const key = model === 'global' ? 'globalProbs' : 'localProbs';
  return defineStrategy(model === 'global' ? 'entropy' : 'entropy-local', [key], (q) => {
    const scores = entropy(q.input[key] as Matrix);
    const picks = topKDescending(scores, q.budget);
    return { selected: sortedIndices(picks), reasons: scoreReasons(picks, scores, 'entropy') };
  });
}

export function marginStrategy(model: ModelSide = 'global'): QueryStrategy {
  const key = model === 'global' ? 'globalProbs' : 'localProbs';
  return defineStrategy(model === 'global' ? 'margin' : 'margin-local', [key], (q) => {
    const scores = margin(q.input[key] as Matrix);
    const picks = topKAscending(scores, q.budget);
    return { selected: sortedIndices(picks), reasons: scoreReasons(picks, scores, 'margin') };
  });
}

export function scoreReasons(picks: ArrayLike<number>, scores: ArrayLike<number>, metric: ScoreReason['metric']): ScoreReason[] {
  return Array.from(picks, (index, rank) => ({ kind: 'score' as const, index, rank, metric, value: scores[index] as number }));
}
