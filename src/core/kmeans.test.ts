import { describe, expect, it } from 'vitest';
import { kmeans, kmeansPlusPlus } from './kmeans';
import { fromRows } from './matrix';
import { createRng } from './rng';

function blobs(seed: number, perBlob: number, centers: number[][]) {
  const rng = createRng(seed);
  const rows: number[][] = [];
  const truth: number[] = [];
  centers.forEach((c, k) => {
    for (let i = 0; i < perBlob; i++) {
      rows.push(c.map((v) => v + rng.normal(0, 0.1)));
      truth.push(k);
    }
  });
  return { x: fromRows(rows), truth };
}

describe('k-means', () => {
  const centers = [
    [0, 0],
    [10, 0],
    [0, 10],
  ];

  it('recovers well-separated blobs', () => {
    const { x, truth } = blobs(1, 40, centers);
    const r = kmeans(x, { k: 3, maxIter: 20 }, createRng(2));
    // Same partition up to relabelling: each true blob maps to one cluster.
    for (let b = 0; b < 3; b++) {
      const ids = new Set(truth.flatMap((t, i) => (t === b ? [r.labels[i]] : [])));
      expect(ids.size).toBe(1);
    }
    expect(new Set(r.labels).size).toBe(3);
    expect(r.converged).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const { x } = blobs(3, 30, centers);
    const a = kmeans(x, { k: 5 }, createRng(9));
    const b = kmeans(x, { k: 5 }, createRng(9));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
  });

  it('matches a brute-force Lloyd assignment at convergence (Hamerly bounds are safe)', () => {
    const { x } = blobs(4, 50, [...centers, [5, 5], [7, 2]]);
    const r = kmeans(x, { k: 8, maxIter: 100 }, createRng(5));
    for (let i = 0; i < x.rows; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < r.centers.rows; c++) {
        let d = 0;
        for (let k = 0; k < x.cols; k++) d += ((x.data[i * 2 + k] as number) - (r.centers.data[c * 2 + k] as number)) ** 2;
        if (d < bestD - 1e-12) {
          bestD = d;
          best = c;
        }
      }
      expect(r.labels[i]).toBe(best);
    }
  });

  it('k-means++ seeds are distinct rows', () => {
    const { x } = blobs(6, 20, centers);
    const seeds = Array.from(kmeansPlusPlus(x, 10, createRng(1)));
    expect(new Set(seeds).size).toBe(10);
  });
});
