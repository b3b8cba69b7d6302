import { describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import {
  alternateNormalise,
  balanceClientTotals,
  clientTargets,
  dirBalancePartition,
  drawDirichletProportions,
  longTailCounts,
  longTailSubset,
  PartitionError,
  roundByLargestRemainder,
  shardPartition,
} from './index';

/** Labels with the given class counts, interleaved so classes are not contiguous. */
function labelsWith(counts: number[]): Int32Array {
  const out: number[] = [];
  const left = counts.slice();
  while (left.some((n) => n > 0)) left.forEach((n, c) => { if (n > 0) { out.push(c); left[c] = n - 1; } });
  return Int32Array.from(out);
}

const DERMA = [213, 362, 745, 73, 799, 4717, 107];

function rowSums(x: ArrayLike<number>, K: number, C: number): number[] {
  return Array.from({ length: K }, (_, k) => Array.from({ length: C }, (_, c) => x[k * C + c] as number).reduce((a, b) => a + b, 0));
}
function colSums(x: ArrayLike<number>, K: number, C: number): number[] {
  return Array.from({ length: C }, (_, c) => Array.from({ length: K }, (_, k) => x[k * C + c] as number).reduce((a, b) => a + b, 0));
}

function expectDisjointCover(clients: number[][], n: number): void {
  const seen = new Uint8Array(n);
  for (const c of clients) for (const i of c) {
    expect(seen[i]).toBe(0);
    seen[i] = 1;
  }
  expect(seen.every((v) => v === 1)).toBe(true);
}

describe('dir_balance steps', () => {
  it('alternating normalisation ends with unit column sums and near-balanced rows', () => {
    const K = 10;
    const C = 7;
    const p = alternateNormalise(drawDirichletProportions(K, C, 0.1, createRng(3)), K, C, 5);
    for (const s of colSums(p, K, C)) expect(s).toBeCloseTo(1, 9);
    // Row sums converge toward C/K (Sinkhorn); after 5 passes they are already positive.
    for (const s of rowSums(p, K, C)) expect(s).toBeGreaterThan(0);
  });

  it('each Dirichlet row is a probability vector', () => {
    const p = drawDirichletProportions(4, 5, 0.5, createRng(1));
    for (const s of rowSums(p, 4, 5)) expect(s).toBeCloseTo(1, 12);
    expect(() => drawDirichletProportions(4, 5, 0, createRng(1))).toThrow(PartitionError);
  });

  it('rounding keeps every class total and gives the leftovers to the largest remainders', () => {
    // One class, 3 clients, shares 0.5 / 0.3 / 0.2 of 7 => 3.5, 2.1, 1.4 -> floors 3,2,1, one leftover to client 0 (0.5).
    const x = roundByLargestRemainder(Float64Array.from([0.5, 0.3, 0.2]), [7], 3);
    expect(Array.from(x)).toEqual([4, 2, 1]);
    // 2 leftovers: 1.6, 1.6, 1.8 of 5 -> floors 1,1,1, remainders .6 .6 .8 -> client 2, then client 0 (tie, lower index).
    const y = roundByLargestRemainder(Float64Array.from([0.32, 0.32, 0.36]), [5], 3);
    expect(Array.from(y)).toEqual([2, 1, 2]);
    // A column of zeros falls back to a uniform split.
    const z = roundByLargestRemainder(Float64Array.from([0, 0, 0]), [6], 3);
    expect(Array.from(z)).toEqual([2, 2, 2]);
  });

  it('rounding stays within one of the real share for a random matrix', () => {
    const K = 10;
    const C = DERMA.length;
    const p = alternateNormalise(drawDirichletProportions(K, C, 0.1, createRng(9)), K, C);
    const x = roundByLargestRemainder(p, DERMA, K);
    expect(colSums(x, K, C)).toEqual(DERMA);
    for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) {
      expect(Math.abs((x[k * C + c] as number) - (p[k * C + c] as number) * (DERMA[c] as number))).toBeLessThan(1 + 1e-6);
    }
  });

  it('moves reach the targets, keep class totals and only flow from surplus to deficit clients', () => {
    const K = 10;
    const C = DERMA.length;
    const p = alternateNormalise(drawDirichletProportions(K, C, 0.1, createRng(5)), K, C);
    const before = roundByLargestRemainder(p, DERMA, K);
    const total = DERMA.reduce((a, b) => a + b, 0);
    const targets = clientTargets(total, K);
    const after = balanceClientTotals(Int32Array.from(before), targets, C);
    expect(rowSums(after, K, C)).toEqual(Array.from(targets));
    expect(colSums(after, K, C)).toEqual(DERMA);
    const rb = rowSums(before, K, C);
    for (let k = 0; k < K; k++) {
      const surplus = (rb[k] as number) > (targets[k] as number);
      for (let c = 0; c < C; c++) {
        const d = (after[k * C + c] as number) - (before[k * C + c] as number);
        if (surplus) expect(d).toBeLessThanOrEqual(0);
        else expect(d).toBeGreaterThanOrEqual(0);
        expect(after[k * C + c]).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('moves follow the official order on a hand-worked example', () => {
    // Client 0 holds 6 (target 4), client 1 holds 2 (target 4); class 0 is moved first.
    const x = Int32Array.from([4, 2, 1, 1]);
    balanceClientTotals(x, Int32Array.from([4, 4]), 2);
    expect(Array.from(x)).toEqual([2, 2, 3, 1]);
  });

  it('targets are floor(N/K) with the remainder to the first clients', () => {
    expect(Array.from(clientTargets(23, 5))).toEqual([5, 5, 5, 4, 4]);
  });
});

describe('dirBalancePartition', () => {
  const labels = labelsWith(DERMA);
  const N = labels.length;

  it('gives every client the same total, covers each sample once, and matches its count matrix', () => {
    const part = dirBalancePartition(labels, { numClients: 10, numClasses: 7, alpha: 0.1 }, createRng(0));
    expectDisjointCover(part.clients, N);
    part.clients.forEach((idx, k) => {
      expect(idx.length === Math.floor(N / 10) || idx.length === Math.floor(N / 10) + 1).toBe(true);
      const hist = new Array(7).fill(0);
      for (const i of idx) hist[labels[i] as number]++;
      expect(hist).toEqual(Array.from(part.counts.subarray(k * 7, k * 7 + 7)));
    });
    expect(colSums(part.counts, 10, 7)).toEqual(DERMA);
  });

  it('is extremely non-IID at alpha 0.1 and near-IID at alpha 100', () => {
    const skew = (alpha: number) => {
      const part = dirBalancePartition(labels, { numClients: 10, numClasses: 7, alpha }, createRng(2));
      // Mean over clients of the total-variation distance between the client's and the global class mix.
      let tv = 0;
      for (let k = 0; k < 10; k++) {
        const n = part.clients[k]?.length ?? 1;
        let d = 0;
        for (let c = 0; c < 7; c++) d += Math.abs((part.counts[k * 7 + c] as number) / n - (DERMA[c] as number) / N);
        tv += d / 2;
      }
      return tv / 10;
    };
    expect(skew(0.1)).toBeGreaterThan(0.3);
    expect(skew(100)).toBeLessThan(0.1);
  });

  it('is a pure function of the seed', () => {
    const a = dirBalancePartition(labels, { numClients: 5, numClasses: 7, alpha: 0.1 }, createRng(11));
    const b = dirBalancePartition(labels, { numClients: 5, numClasses: 7, alpha: 0.1 }, createRng(11));
    const c = dirBalancePartition(labels, { numClients: 5, numClasses: 7, alpha: 0.1 }, createRng(12));
    expect(b.clients).toEqual(a.clients);
    expect(c.clients).not.toEqual(a.clients);
  });

  it('partitions a test split with the train split proportions, client totals equal', () => {
    const train = dirBalancePartition(labels, { numClients: 10, numClasses: 7, alpha: 0.1 }, createRng(0));
    const testLabels = labelsWith(DERMA.map((n) => Math.round(n * 0.29)));
    const test = dirBalancePartition(testLabels, { numClients: 10, numClasses: 7, alpha: 0.1, proportions: train.proportions }, createRng(0));
    expectDisjointCover(test.clients, testLabels.length);
    const nt = testLabels.length;
    for (const idx of test.clients) expect(Math.abs(idx.length - nt / 10)).toBeLessThan(1);
    // The class a client holds most of in train is, for most clients, what it holds most of in test.
    let agree = 0;
    for (let k = 0; k < 10; k++) {
      const argmax = (m: Int32Array) => [...Array(7).keys()].reduce((best, c) => ((m[k * 7 + c] as number) > (m[k * 7 + best] as number) ? c : best), 0);
      if (argmax(train.counts) === argmax(test.counts)) agree++;
    }
    expect(agree).toBeGreaterThanOrEqual(7);
  });

  it('rejects bad input with a PartitionError', () => {
    expect(() => dirBalancePartition([0, 1, 7], { numClients: 2, numClasses: 3, alpha: 0.1 }, createRng(0))).toThrow(PartitionError);
    expect(() => dirBalancePartition([0, 1], { numClients: 3, numClasses: 2, alpha: 0.1 }, createRng(0))).toThrow(/cannot fill/);
  });
});

describe('shardPartition', () => {
  it('gives each client m distinct classes, one floor(n_c/m) shard of each, disjoint', () => {
    const counts = [100, 90, 81, 70, 60, 50, 41, 30, 20, 11];
    const labels = labelsWith(counts);
    const part = shardPartition(labels, { numClients: 10, numClasses: 10, classesPerClient: 2 }, createRng(4));
    const used = new Map<number, number>();
    part.clients.forEach((idx, k) => {
      const classes = part.classes[k] as number[];
      expect(new Set(classes).size).toBe(2);
      const hist = new Map<number, number>();
      for (const i of idx) hist.set(labels[i] as number, (hist.get(labels[i] as number) ?? 0) + 1);
      expect([...hist.keys()].sort()).toEqual(classes.slice().sort());
      for (const c of classes) {
        expect(hist.get(c)).toBe(Math.floor((counts[c] as number) / 2));
        used.set(c, (used.get(c) ?? 0) + 1);
      }
    });
    // Every class is drawn exactly m times when K = C.
    for (let c = 0; c < 10; c++) expect(used.get(c)).toBe(2);
    const all = part.clients.flat();
    expect(new Set(all).size).toBe(all.length);
  });

  it('refuses more clients than classes', () => {
    expect(() => shardPartition(labelsWith([5, 5]), { numClients: 3, numClasses: 2, classesPerClient: 1 }, createRng(0))).toThrow(PartitionError);
  });
});

describe('long tail', () => {
  it('keeps int(n_max * rho^(c/(C-1))) per class', () => {
    expect(longTailCounts(10, 6000, 0.05)).toEqual(
      Array.from({ length: 10 }, (_, c) => Math.trunc(6000 * Math.pow(0.05, c / 9))),
    );
    expect(longTailCounts(10, 6000, 0.05)[9]).toBe(300);
    const labels = labelsWith(new Array(5).fill(100));
    const lt = longTailSubset(labels, { numClasses: 5, rho: 0.1 }, createRng(1));
    expect(lt.counts).toEqual([100, 56, 31, 17, 10]);
    const hist = new Array(5).fill(0);
    for (const i of lt.indices) hist[labels[i] as number]++;
    expect(hist).toEqual(lt.counts);
  });
});
