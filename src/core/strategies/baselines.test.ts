import { describe, expect, it } from 'vitest';
import { QueryInputError } from '../errors';
import { gradEmbeddingFactors } from '../gradEmbedding';
import { lowerToRow } from '../distance';
import { greedyKCenter } from '../kcenter';
import { kmeans } from '../kmeans';
import { type Matrix, rowSquaredNorms } from '../matrix';
import { createRng } from '../rng';
import { syntheticClient } from '../synthetic';
import { entropy, margin } from '../uncertainty';
import { coresetGreedy } from './coreset';
import { kafalScores } from './kafal';
import { predictedClassGradBlock } from './logo';
import { getStrategy, STRATEGY_NAMES } from './registry';
import { type QueryInput } from './types';

const client = { ...syntheticClient({ poolSize: 500, labeledSize: 60, numClasses: 6, featureDim: 10, seed: 5 }), gammaBar: 0.3 };
const B = 30;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof QueryInputError ? e.code : 'other';
  }
  return undefined;
}

function complement(n: number, picked: number[]): number[] {
  const s = new Set(picked);
  return Array.from({ length: n }, (_, i) => i).filter((i) => !s.has(i));
}

/** Covering radius: max over the pool of the squared distance to the nearest center. */
function coveringRadius(x: Matrix, centers: Matrix, picked: number[]): number {
  let worst = 0;
  for (let i = 0; i < x.rows; i++) {
    let best = Infinity;
    const dist = (m: Matrix, j: number) => {
      let d = 0;
      for (let k = 0; k < x.cols; k++) d += ((x.data[i * x.cols + k] as number) - (m.data[j * m.cols + k] as number)) ** 2;
      return d;
    };
    for (let j = 0; j < centers.rows; j++) best = Math.min(best, dist(centers, j));
    for (const j of picked) best = Math.min(best, dist(x, j));
    worst = Math.max(worst, best);
  }
  return worst;
}

describe.each(STRATEGY_NAMES)('strategy %s', (name) => {
  const s = getStrategy(name);

  it('returns exactly the budget: distinct, sorted, in range, one reason each', () => {
    const out = s.select(client, B, createRng(1));
    expect(out.strategy).toBe(name);
    expect(out.selected).toHaveLength(B);
    expect(new Set(out.selected).size).toBe(B);
    expect(out.selected).toEqual([...out.selected].sort((a, b) => a - b));
    expect(out.selected.every((i) => Number.isInteger(i) && i >= 0 && i < 500)).toBe(true);
    expect(out.reasons.map((r) => r.index).sort((a, b) => a - b)).toEqual(out.selected);
    // Baseline reasons are in pick order; FairFAL ranks count within each class.
    expect(out.reasons.every((r, k) => r.kind === 'fairfal' || r.rank === k)).toBe(true);
  });

  it('is deterministic for the same seed', () => {
    expect(s.select(client, B, createRng(7))).toEqual(s.select(client, B, createRng(7)));
  });

  it('queries the whole pool when the budget exceeds it', () => {
    const small = syntheticClient({ poolSize: 9, labeledSize: 12, numClasses: 3, featureDim: 4, seed: 8 });
    expect(s.select(small, 20, createRng(1)).selected).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('rejects a bad budget, an empty pool and missing inputs with typed errors', () => {
    expect(codeOf(() => s.select(client, 0, createRng(1)))).toBe('bad-budget');
    expect(codeOf(() => s.select(client, -1, createRng(1)))).toBe('bad-budget');
    expect(codeOf(() => s.select(client, 1.5, createRng(1)))).toBe('bad-budget');
    expect(codeOf(() => s.select({ numClasses: 6, poolSize: 0 }, 3, createRng(1)))).toBe(
      s.requires.length > 0 ? 'missing-input' : 'empty-pool',
    );
    for (const key of s.requires) {
      const partial: QueryInput = { ...client, [key]: undefined };
      if (key === 'labeledCounts') delete partial.labeledLabels;
      expect(codeOf(() => s.select(partial, 3, createRng(1)))).toBe('missing-input');
    }
  });

  it('rejects NaN in every input it reads, naming it', () => {
    for (const key of s.requires) {
      const m = client[key as keyof typeof client];
      if (!m || typeof m !== 'object' || !('rows' in m)) continue;
      const data = Float64Array.from(m.data);
      data[1] = Number.NaN;
      expect(() => s.select({ ...client, [key]: { ...m, data } }, 3, createRng(1))).toThrow(new RegExp(`${key}\\[0\\]\\[1\\] is NaN`));
    }
  });
});

describe('baseline properties', () => {
  it('random: different seeds give different picks', () => {
    const r = getStrategy('random');
    expect(r.select(client, B, createRng(1)).selected).not.toEqual(r.select(client, B, createRng(2)).selected);
  });

  it('entropy picks the highest-entropy samples (global or local model)', () => {
    for (const [name, probs] of [
      ['entropy', client.globalProbs!],
      ['entropy-local', client.localProbs!],
    ] as const) {
      const H = entropy(probs);
      const sel = getStrategy(name).select(client, B, createRng(1)).selected;
      const minSel = Math.min(...sel.map((i) => H[i] as number));
      const maxRest = Math.max(...complement(500, sel).map((i) => H[i] as number));
      expect(minSel).toBeGreaterThanOrEqual(maxRest);
    }
    expect(getStrategy('entropy').select(client, B, createRng(1)).selected).not.toEqual(
      getStrategy('entropy-local').select(client, B, createRng(1)).selected,
    );
  });

  it('margin picks the smallest top-1 minus top-2 gaps', () => {
    const M = margin(client.globalProbs!);
    const sel = getStrategy('margin').select(client, B, createRng(1)).selected;
    expect(Math.max(...sel.map((i) => M[i] as number))).toBeLessThanOrEqual(Math.min(...complement(500, sel).map((i) => M[i] as number)));
  });

  it('coreset covers the pool at least as well as random picks (several seeds)', () => {
    const x = client.globalFeatures!;
    const lab = client.labeledGlobalFeatures!;
    const core = coveringRadius(x, lab, getStrategy('coreset').select(client, B, createRng(1)).selected);
    for (let seed = 1; seed <= 5; seed++) {
      const rnd = coveringRadius(x, lab, getStrategy('random').select(client, B, createRng(seed)).selected);
      expect(core).toBeLessThanOrEqual(rnd);
    }
  });

  it('coreset first pick is the sample farthest from the labeled set', () => {
    const out = getStrategy('coreset').select(client, 1, createRng(1));
    const x = client.globalFeatures!;
    const lab = client.labeledGlobalFeatures!;
    const farthest = Array.from({ length: 500 }, (_, i) => coveringRadius({ ...x, rows: 1, data: x.data.subarray(i * 10, i * 10 + 10) }, lab, []));
    expect(out.selected[0]).toBe(farthest.indexOf(Math.max(...farthest)));
  });

  it('badge starts from the largest gradient embedding and picks exactly the budget', () => {
    const f = gradEmbeddingFactors(client.globalFeatures!, client.globalProbs!);
    const out = getStrategy('badge').select(client, 50, createRng(3));
    expect(out.reasons[0]?.index).toBe(Array.from(f.sqNorms).indexOf(Math.max(...f.sqNorms)));
    expect(out.selected).toHaveLength(50);
    expect(getStrategy('badge').select(client, 50, createRng(4)).selected).not.toEqual(out.selected);
  });

  it('logo picks the max-global-entropy member of each local-model k-means cluster', () => {
    const out = getStrategy('logo').select(client, B, createRng(11));
    expect(out.selected).toHaveLength(B);
    const emb = predictedClassGradBlock(client.localFeatures!, client.localProbs!);
    const { labels } = kmeans(emb, { k: B, maxIter: 5 }, createRng(11));
    const H = entropy(client.globalProbs!);
    const clustersUsed = new Set<number>();
    for (const r of out.reasons) {
      if (r.kind !== 'score' || r.cluster === undefined) throw new Error('LoGo reasons carry the cluster');
      expect(labels[r.index]).toBe(r.cluster);
      if (clustersUsed.has(r.cluster)) continue; // shortfall fill from an earlier cluster
      clustersUsed.add(r.cluster);
      const members = Array.from(labels.keys()).filter((i) => labels[i] === r.cluster);
      expect(H[r.index]).toBe(Math.max(...members.map((i) => H[i] as number)));
    }
  });

  it('kafal masks classes the client never labeled', () => {
    const C = 4;
    const counts = [5, 3, 0, 0];
    // Rows agree on classes 0-1 (up to scale) and disagree only on unseen 2-3: score 0.
    const g: Matrix = { data: Float64Array.from([0.2, 0.2, 0.5, 0.1, 0.4, 0.2, 0.2, 0.2]), rows: 2, cols: C };
    const l: Matrix = { data: Float64Array.from([0.1, 0.1, 0.1, 0.7, 0.2, 0.4, 0.2, 0.2]), rows: 2, cols: C };
    const s = kafalScores(g, l, counts);
    expect(s[0]).toBeCloseTo(0, 12);
    expect(s[1] as number).toBeGreaterThan(0);
    // Row 1 by hand: softmax over seen classes of log p + log n.
    const pg = [0.4 * 5, 0.2 * 3].map((v, _i, a) => v / (a[0]! + a[1]!));
    const pl = [0.2 * 5, 0.4 * 3].map((v, _i, a) => v / (a[0]! + a[1]!));
    const kl = (p: number[], q: number[]) => p.reduce((acc, v, i) => acc + v * Math.log(v / q[i]!), 0);
    expect(s[1]).toBeCloseTo(0.5 * (kl(pg, pl) + kl(pl, pg)), 12);
    // Through the strategy: the sample that differs only on unseen classes is never preferred.
    const out = getStrategy('kafal').select({ numClasses: C, globalProbs: g, localProbs: l, labeledCounts: counts }, 1, createRng(1));
    expect(out.selected).toEqual([1]);
  });

  it('kafal derives counts from labeled labels and picks the top scores', () => {
    const counts = new Float64Array(6);
    for (const y of Array.from(client.labeledLabels!)) counts[y]!++;
    const scores = kafalScores(client.globalProbs!, client.localProbs!, counts);
    const sel = getStrategy('kafal').select(client, B, createRng(1)).selected;
    expect(Math.min(...sel.map((i) => scores[i] as number))).toBeGreaterThanOrEqual(
      Math.max(...complement(500, sel).map((i) => scores[i] as number)),
    );
  });

  it('unknown strategy names are a typed error', () => {
    expect(codeOf(() => getStrategy('nope'))).toBe('unknown-strategy');
  });

  it('mismatched shapes are rejected before any work', () => {
    const bad = { ...client, localProbs: { ...client.localProbs!, rows: 499, data: client.localProbs!.data.subarray(0, 499 * 6) } };
    expect(codeOf(() => getStrategy('kafal').select(bad, 3, createRng(1)))).toBe('shape-mismatch');
    const wrongC = { ...client, globalProbs: { data: new Float64Array(500 * 5).fill(0.2), rows: 500, cols: 5 } };
    expect(codeOf(() => getStrategy('entropy').select(wrongC, 3, createRng(1)))).toBe('shape-mismatch');
  });
});

describe('coreset lazy exactness', () => {
  it('matches an eager greedy k-center over full distances, pick for pick', () => {
    const x = client.globalFeatures!;
    const lab = client.labeledGlobalFeatures!;
    const xn = rowSquaredNorms(x);
    const ln = rowSquaredNorms(lab);
    const md = new Float64Array(x.rows).fill(Infinity);
    for (let j = 0; j < lab.rows; j++) lowerToRow(x, xn, lab, ln, j, md);
    const eager = greedyKCenter(md, 60, (j, m) => lowerToRow(x, xn, x, xn, j, m));
    const lazy = coresetGreedy(x, lab, 60);
    expect(Array.from(lazy.picks)).toEqual(Array.from(eager.picks));
    expect(Array.from(lazy.distances)).toEqual(Array.from(eager.distances));
  });
});

describe('validation scope', () => {
  it('only checks the values a strategy reads', () => {
    const badLabels = { ...client, labeledLabels: Int32Array.from(client.labeledLabels!, () => 99) };
    expect(getStrategy('entropy').select(badLabels, 3, createRng(1)).selected).toHaveLength(3);
    expect(codeOf(() => getStrategy('kafal').select(badLabels, 3, createRng(1)))).toBe('bad-label');
  });

  it('rejects bad explicit labeled counts', () => {
    const kafal = getStrategy('kafal');
    expect(codeOf(() => kafal.select({ ...client, labeledCounts: [1, 2, 3] }, 3, createRng(1)))).toBe('shape-mismatch');
    expect(codeOf(() => kafal.select({ ...client, labeledCounts: [1, 2, 3, 4, 5, -1] }, 3, createRng(1)))).toBe('bad-label');
    expect(codeOf(() => kafal.select({ ...client, labeledCounts: [1, 2, 3, 4, 5, Number.NaN] }, 3, createRng(1)))).toBe('non-finite');
  });
});
