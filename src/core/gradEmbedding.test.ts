import { describe, expect, it } from 'vitest';
import { gradEmbeddingFactors, gradientEmbeddings, gradSqDist, lowerToGradRow, materializeGradEmbeddings } from './gradEmbedding';
import { fromRows } from './matrix';
import { syntheticClient } from './synthetic';

describe('gradient embeddings', () => {
  it('block j = h * (1[j == y] - p_j), y = argmax p unless labels are given', () => {
    const h = fromRows([[1, 2]]);
    const p = fromRows([[0.2, 0.7, 0.1]]);
    expect(Array.from(gradientEmbeddings(h, p).data).map((v) => +v.toFixed(12))).toEqual([-0.2, -0.4, 0.3, 0.6, -0.1, -0.2]);
    expect(Array.from(gradientEmbeddings(h, p, [2]).data).map((v) => +v.toFixed(12))).toEqual([-0.2, -0.4, -0.7, -1.4, 0.9, 1.8]);
  });

  it('argmax ties go to the first class (torch/numpy argmax)', () => {
    const g = gradientEmbeddings(fromRows([[1]]), fromRows([[0.5, 0.5]]));
    expect(Array.from(g.data)).toEqual([0.5, -0.5]);
  });

  it('factorised squared distances equal explicit ones', () => {
    const c = syntheticClient({ poolSize: 30, labeledSize: 5, numClasses: 4, featureDim: 6, seed: 3 });
    const f = gradEmbeddingFactors(c.globalFeatures!, c.globalProbs!);
    const g = materializeGradEmbeddings(f);
    for (const [i, j] of [
      [0, 1],
      [5, 29],
      [7, 7],
    ] as const) {
      let d = 0;
      for (let k = 0; k < g.cols; k++) d += ((g.data[i * g.cols + k] as number) - (g.data[j * g.cols + k] as number)) ** 2;
      expect(gradSqDist(f, i, f, j)).toBeCloseTo(d, 9);
    }
    expect(materializeGradEmbeddings(f, [3]).data).toEqual(g.data.slice(3 * g.cols, 4 * g.cols));
  });

  it('lowerToGradRow lowers every row to its distance from the center (clamped at 0)', () => {
    const c = syntheticClient({ poolSize: 23, labeledSize: 5, numClasses: 3, featureDim: 5, seed: 4 });
    const f = gradEmbeddingFactors(c.globalFeatures!, c.globalProbs!);
    const md = new Float64Array(23).fill(Infinity);
    md[4] = 0.5;
    lowerToGradRow(f, 7, md);
    for (let i = 0; i < 23; i++) {
      const d = Math.max(0, gradSqDist(f, i, f, 7));
      expect(md[i]).toBe(i === 4 ? Math.min(0.5, d) : d);
    }
  });
});
