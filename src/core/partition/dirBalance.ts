/**
 * Dirichlet `dir_balance` partition with the official FairFAL semantics
 * (chenchenzong/FairFAL util/data_simulator.py): a K x C proportion matrix from
 * Dirichlet(alpha) rows, 5 alternating row/column normalisations, per-class rounding with
 * largest remainders, then moves from over-full to under-full clients (class by class) until
 * every client holds floor(N/K) (+1 for the first N mod K clients). A test split is
 * partitioned with the train split's count-based proportions (the official `sample`), so
 * each client's local test set mirrors its training distribution.
 *
 * Every step is exported so tests can check it against its definition.
 */
import { type Rng } from '../rng';
import { checkClients, checkLabels, indicesByClass, PartitionError } from './errors';

export interface ClientPartition {
  /** Sample indices of each client, ascending. Disjoint; together they cover every sample. */
  clients: number[][];
  /** K x C counts, row-major (client k, class c at k*C + c). */
  counts: Int32Array;
  numClients: number;
  numClasses: number;
}

export interface DirBalancePartition extends ClientPartition {
  /** K x C count-based proportions (counts / class totals): pass to partition a test split alike. */
  proportions: Float64Array;
}

export interface DirBalanceOptions {
  numClients: number;
  numClasses: number;
  /** Dirichlet concentration (0.1 in the paper: extreme non-IID). Ignored when proportions are given. */
  alpha: number;
  /** Use these K x C proportions as is (the official `sample` argument) instead of drawing. */
  proportions?: Float64Array;
  /** Alternating normalisation passes (5 officially). */
  normalisationPasses?: number;
}

const EPS = 1e-12;

/** K rows, each a Dirichlet(alpha * 1_C) draw. */
export function drawDirichletProportions(numClients: number, numClasses: number, alpha: number, rng: Rng): Float64Array {
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new PartitionError(`dirichlet alpha must be > 0, got ${alpha}`);
  const conc = new Float64Array(numClasses).fill(alpha);
  const p = new Float64Array(numClients * numClasses);
  for (let k = 0; k < numClients; k++) p.set(rng.dirichlet(conc), k * numClasses);
  return p;
}

/** In place: `passes` times, divide each row by its sum (+1e-12), then each column by its sum (+1e-12). */
export function alternateNormalise(p: Float64Array, numClients: number, numClasses: number, passes = 5): Float64Array {
  for (let t = 0; t < passes; t++) {
    for (let k = 0; k < numClients; k++) {
      let s = 0;
      for (let c = 0; c < numClasses; c++) s += p[k * numClasses + c] as number;
      for (let c = 0; c < numClasses; c++) p[k * numClasses + c] = (p[k * numClasses + c] as number) / (s + EPS);
    }
    for (let c = 0; c < numClasses; c++) {
      let s = 0;
      for (let k = 0; k < numClients; k++) s += p[k * numClasses + c] as number;
      for (let k = 0; k < numClients; k++) p[k * numClasses + c] = (p[k * numClasses + c] as number) / (s + EPS);
    }
  }
  return p;
}

/**
 * Per class j: shares = clamp(P[:, j], 0) normalised (uniform if all zero), real = share * n_j,
 * floor it, and give the n_j - sum(floor) leftover units +1 each to the largest fractional
 * parts (ties: lower client index first). Column j then sums to n_j exactly.
 */
export function roundByLargestRemainder(p: Float64Array, classTotals: ArrayLike<number>, numClients: number): Int32Array {
  const C = classTotals.length;
  const x = new Int32Array(numClients * C);
  for (let j = 0; j < C; j++) {
    const n = classTotals[j] as number;
    if (n === 0) continue;
    const col = new Float64Array(numClients);
    let s = 0;
    for (let k = 0; k < numClients; k++) {
      col[k] = Math.max(0, p[k * C + j] as number);
      s += col[k] as number;
    }
    if (!(s > 0)) {
      col.fill(1 / numClients);
      s = 1;
    }
    const frac = new Float64Array(numClients);
    let assigned = 0;
    for (let k = 0; k < numClients; k++) {
      const real = ((col[k] as number) / (s + EPS)) * n;
      const base = Math.floor(real);
      x[k * C + j] = base;
      frac[k] = real - base;
      assigned += base;
    }
    const order = Array.from({ length: numClients }, (_, k) => k).sort((a, b) => (frac[b] as number) - (frac[a] as number) || a - b);
    for (let r = 0; r < n - assigned; r++) {
      const k = order[r % numClients] as number;
      x[k * C + j] = (x[k * C + j] as number) + 1;
    }
  }
  return x;
}

/** Per-client targets: floor(N/K), +1 for the first N mod K clients. */
export function clientTargets(total: number, numClients: number): Int32Array {
  const q = new Int32Array(numClients);
  const base = Math.floor(total / numClients);
  const r = total % numClients;
  for (let k = 0; k < numClients; k++) q[k] = base + (k < r ? 1 : 0);
  return q;
}

/**
 * In place: move samples of one class at a time from clients above their target (donors)
 * to clients below it (receivers) until every row sums to its target, as the official loop
 * does: classes in order; receivers by largest deficit first; each receiver takes from the
 * donors with the most spare units of that class first. Column sums never change.
 * Throws PartitionError if the targets cannot be met (the official code asserts).
 */
export function balanceClientTotals(x: Int32Array, targets: Int32Array, numClasses: number): Int32Array {
  const K = targets.length;
  const C = numClasses;
  const deficit = new Int32Array(K);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += x[k * C + c] as number;
    deficit[k] = (targets[k] as number) - s;
  }
  const total = x.reduce((a, b) => a + b, 0);
  const maxMoves = total + 5;
  let moves = 0;
  for (;;) {
    // Stable sorts, as Python's sorted(): ties keep ascending client order.
    const more = [...Array(K).keys()].filter((k) => (deficit[k] as number) > 0).sort((a, b) => (deficit[b] as number) - (deficit[a] as number));
    const less = [...Array(K).keys()].filter((k) => (deficit[k] as number) < 0).sort((a, b) => (deficit[a] as number) - (deficit[b] as number));
    if (more.length === 0 || less.length === 0) break;
    let progressed = false;
    for (let j = 0; j < C && moves <= maxMoves; j++) {
      const donors = less.filter((s) => (x[s * C + j] as number) > 0);
      const receivers = more.filter((d) => (deficit[d] as number) > 0);
      if (donors.length === 0 || receivers.length === 0) continue;
      const supply = new Map<number, number>();
      for (const s of donors) if (-(deficit[s] as number) > 0) supply.set(s, Math.min(x[s * C + j] as number, -(deficit[s] as number)));
      let totalSupply = 0;
      for (const v of supply.values()) totalSupply += v;
      if (totalSupply <= 0) continue;
      let demand = 0;
      for (const d of receivers) demand += deficit[d] as number;
      let moveAll = Math.min(totalSupply, demand);
      for (const d of receivers) {
        if (moveAll <= 0 || moves > maxMoves) break;
        let need = deficit[d] as number;
        if (need <= 0) continue;
        const byMost = [...supply.keys()].sort((a, b) => (supply.get(b) as number) - (supply.get(a) as number));
        for (const s of byMost) {
          if (need <= 0 || moveAll <= 0) break;
          const t = Math.min(supply.get(s) as number, need, moveAll);
          if (t <= 0) continue;
          x[s * C + j] = (x[s * C + j] as number) - t;
          x[d * C + j] = (x[d * C + j] as number) + t;
          supply.set(s, (supply.get(s) as number) - t);
          deficit[s] = (deficit[s] as number) + t;
          deficit[d] = (deficit[d] as number) - t;
          moveAll -= t;
          need -= t;
          progressed = true;
          moves += t;
          if (moves > maxMoves) break;
        }
      }
    }
    if (!progressed || moves > maxMoves) break;
  }
  for (let k = 0; k < K; k++) {
    if (deficit[k] !== 0) throw new PartitionError(`dir_balance could not give client ${k} its ${targets[k]} samples (off by ${deficit[k]})`);
  }
  return x;
}

/** Deal each class's samples (shuffled with `rng`) to clients in client order by the count matrix. */
export function dealByCounts(labels: ArrayLike<number>, counts: Int32Array, numClients: number, numClasses: number, rng: Rng): number[][] {
  const byClass = indicesByClass(labels, numClasses);
  const clients: number[][] = Array.from({ length: numClients }, () => []);
  for (let j = 0; j < numClasses; j++) {
    const idx = rng.shuffle((byClass[j] as number[]).slice());
    let start = 0;
    for (let k = 0; k < numClients; k++) {
      const take = counts[k * numClasses + j] as number;
      for (let t = 0; t < take; t++) (clients[k] as number[]).push(idx[start + t] as number);
      start += take;
    }
    if (start !== idx.length) throw new PartitionError(`class ${j}: dealt ${start} of ${idx.length} samples`);
  }
  for (const c of clients) c.sort((a, b) => a - b);
  return clients;
}

export function dirBalancePartition(labels: ArrayLike<number>, opts: DirBalanceOptions, rng: Rng): DirBalancePartition {
  const { numClients: K, numClasses: C } = opts;
  checkClients(K);
  checkLabels(labels, C);
  if (labels.length < K) throw new PartitionError(`${labels.length} samples cannot fill ${K} clients`);
  const totals = new Int32Array(C);
  for (let i = 0; i < labels.length; i++) totals[labels[i] as number] = (totals[labels[i] as number] as number) + 1;

  let p: Float64Array;
  if (opts.proportions) {
    if (opts.proportions.length !== K * C) throw new PartitionError(`proportions hold ${opts.proportions.length} values, expected ${K}x${C}`);
    p = Float64Array.from(opts.proportions);
  } else {
    p = alternateNormalise(drawDirichletProportions(K, C, opts.alpha, rng), K, C, opts.normalisationPasses ?? 5);
  }
  const counts = balanceClientTotals(roundByLargestRemainder(p, totals, K), clientTargets(labels.length, K), C);
  const clients = dealByCounts(labels, counts, K, C, rng);
  const proportions = new Float64Array(K * C);
  for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) proportions[k * C + c] = (counts[k * C + c] as number) / Math.max(1, totals[c] as number);
  return { clients, counts, proportions, numClients: K, numClasses: C };
}
