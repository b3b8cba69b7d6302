/**
 * LoGo (Kim et al., "Re-thinking Federated Active Learning based on Inter-class Diversity",
 * CVPR 2023; official code: raymin0223/LoGo `query_strategies/fal/logo.py`).
 * Macro step: k-means with k = b on the LOCAL-ONLY model's gradient embeddings. As in the
 * official `get_grad_embedding_maxInd`, that embedding is the predicted-class block only,
 * h_local(x) * (1 - max_c p_local(x)) (dimension D, not D * C). Micro step: in every cluster
 * the sample of highest entropy under the GLOBAL model (log 0 = 0; lower index on ties).
 * Clusters that end up empty leave a shortfall, filled round-robin over the clusters with
 * each cluster's next most uncertain sample (the official code does the same but then
 * truncates an unordered set; we keep the order deterministic).
 * k-means here: k-means++ seeding (which doubles as the first assignment) + Lloyd with
 * Hamerly bounds, at most `maxIter` (default 5) iterations; sklearn runs greedy k-means++ and
 * up to 300. On 64-dim embeddings the bounds rarely prune, so each iteration is a full
 * N * b * D pass; on the bench client (20k points, k = 350) < 4% of points still change
 * cluster in iteration 5, so more iterations buy little for their cost. See ../kmeans.ts.
 */
import { kmeans } from '../kmeans';
import { type Matrix } from '../matrix';
import { argmaxRow, entropy } from '../uncertainty';
import { type QueryStrategy, type ScoreReason } from './types';
import { defineStrategy, sortedIndices } from './validate';

/** h * (1 - p_max): the predicted-class block of the gradient embedding. */
export function predictedClassGradBlock(features: Matrix, probs: Matrix): Matrix<Float64Array> {
  const N = features.rows;
  const D = features.cols;
  const out = new Float64Array(N * D);
  for (let i = 0; i < N; i++) {
    const y = argmaxRow(probs, i);
    const s = 1 - (probs.data[i * probs.cols + y] as number);
    for (let k = 0; k < D; k++) out[i * D + k] = (features.data[i * D + k] as number) * s;
  }
  return { data: out, rows: N, cols: D };
}

export interface LoGoOptions {
  maxIter?: number;
}

export function logoStrategy(options: LoGoOptions = {}): QueryStrategy {
  return defineStrategy('logo', ['localFeatures', 'localProbs', 'globalProbs'], (q, rng) => {
    const N = q.poolSize;
    const b = q.budget;
    const emb = predictedClassGradBlock(q.input.localFeatures as Matrix, q.input.localProbs as Matrix);
    const { labels } = kmeans(emb, { k: b, maxIter: options.maxIter ?? 5 }, rng);
    const H = entropy(q.input.globalProbs as Matrix);

    // Members of each cluster ordered by global-model entropy, descending (ties: lower index).
    const k = b;
    const sizes = new Int32Array(k);
    for (let i = 0; i < N; i++) sizes[labels[i] as number]++;
    const start = new Int32Array(k + 1);
    for (let c = 0; c < k; c++) start[c + 1] = (start[c] as number) + (sizes[c] as number);
    const order = new Int32Array(N);
    const fill = start.slice(0, k);
    for (let i = 0; i < N; i++) order[fill[labels[i] as number]++] = i;
    for (let c = 0; c < k; c++) {
      order
        .subarray(start[c] as number, start[c + 1] as number)
        .sort((x, y) => (H[y] as number) - (H[x] as number) || x - y);
    }

    const reasons: ScoreReason[] = [];
    const picks: number[] = [];
    // Round 0 is the official micro step; later rounds only fill empty-cluster shortfall.
    for (let round = 0; picks.length < b; round++) {
      let took = false;
      for (let c = 0; c < k && picks.length < b; c++) {
        if ((sizes[c] as number) <= round) continue;
        const index = order[(start[c] as number) + round] as number;
        picks.push(index);
        reasons.push({ kind: 'score', index, rank: reasons.length, metric: 'cluster-entropy', value: H[index] as number, cluster: c });
        took = true;
      }
      if (!took) break;
    }
    return { selected: sortedIndices(picks), reasons };
  });
}
