/**
 * k-means for LoGo's macro step: k-means++ seeding (one trial per center, seeded RNG) then
 * Lloyd iterations accelerated with Hamerly's bounds (one upper bound to the own center, one
 * lower bound to the second closest, half the distance to the nearest other center): after
 * the first couple of iterations most points skip all k distance computations, so an
 * iteration costs far less than N * k * D. Stops when no point changes cluster or after
 * `maxIter` iterations. Empty clusters keep their previous center (they may stay empty).
 * Memory: O(N + k D). Euclidean distances.
 */
import { assignToRow, nearestTwo } from './distance';
import { type Matrix, rowSquaredNorms } from './matrix';
import { type Rng } from './rng';

export interface KMeansOptions {
  k: number;
  /** Lloyd iterations after seeding (default 5: each costs up to N * k * D). */
  maxIter?: number;
}

export interface KMeansResult {
  /** Cluster of each row. */
  labels: Int32Array;
  /** k x D centers. */
  centers: Matrix<Float64Array>;
  /** Lloyd iterations actually run. */
  iterations: number;
  converged: boolean;
}

function sqDist(a: Float64Array | Float32Array, ao: number, b: Float64Array, bo: number, D: number): number {
  let s = 0;
  for (let k = 0; k < D; k++) {
    const d = (a[ao + k] as number) - (b[bo + k] as number);
    s += d * d;
  }
  return s;
}

interface Seeding {
  picks: Int32Array;
  /** Squared distance to the nearest / second-nearest seed, and the nearest seed. */
  best: Float64Array;
  second: Float64Array;
  arg: Int32Array;
}

/** k-means++ that also keeps every row's nearest two seeds, so no separate assignment pass. */
function seed(x: Matrix, k: number, rng: Rng): Seeding {
  const N = x.rows;
  const picks = new Int32Array(k);
  const best = new Float64Array(N).fill(Infinity);
  const second = new Float64Array(N).fill(Infinity);
  const arg = new Int32Array(N);
  const xn = rowSquaredNorms(x);
  picks[0] = rng.int(N);
  for (let n = 0; n < k; n++) {
    assignToRow(x, xn, x, xn, picks[n] as number, n, best, second, arg);
    if (n === k - 1) break;
    let total = 0;
    for (let i = 0; i < N; i++) total += best[i] as number;
    let next = -1;
    if (total > 0) {
      let target = rng.next() * total;
      for (let i = 0; i < N; i++) {
        const w = best[i] as number;
        if (w <= 0) continue;
        next = i;
        target -= w;
        if (target < 0) break;
      }
    } else next = rng.int(N); // all points identical: any row will do
    picks[n + 1] = next;
  }
  return { picks, best, second, arg };
}

/** k-means++ seeding (D^2 sampling, first seed uniform): row indices of the k initial centers. */
export function kmeansPlusPlus(x: Matrix, k: number, rng: Rng): Int32Array {
  return seed(x, k, rng).picks;
}

export function kmeans(x: Matrix, options: KMeansOptions, rng: Rng): KMeansResult {
  const N = x.rows;
  const D = x.cols;
  const k = Math.min(options.k, N);
  const maxIter = options.maxIter ?? 5;
  const seeding = seed(x, k, rng);
  const centers = new Float64Array(k * D);
  seeding.picks.forEach((s, c) => centers.set(x.data.subarray(s * D, (s + 1) * D), c * D));

  // Seeding already found every row's nearest two centers: that is the first assignment.
  const labels = seeding.arg;
  const upper = seeding.best.map(Math.sqrt);
  const lower = seeding.second.map(Math.sqrt);
  const sums = new Float64Array(k * D);
  const counts = new Int32Array(k);

  const xn = rowSquaredNorms(x);
  const cm: Matrix<Float64Array> = { data: centers, rows: k, cols: D };
  let cn = rowSquaredNorms(cm);
  const near = new Float64Array(3);
  const assignFull = (i: number): void => {
    nearestTwo(x, xn, i, cm, cn, near);
    labels[i] = near[2] as number;
    upper[i] = Math.sqrt(near[0] as number);
    lower[i] = Math.sqrt(near[1] as number);
  };
  for (let i = 0; i < N; i++) addRow(i, labels[i] as number, 1);

  function addRow(i: number, c: number, sign: number): void {
    counts[c] = (counts[c] as number) + sign;
    for (let j = 0; j < D; j++) sums[c * D + j] = (sums[c * D + j] as number) + sign * (x.data[i * D + j] as number);
  }

  const shift = new Float64Array(k);
  const half = new Float64Array(k);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIter) {
    iterations++;
    // Move centers to their means.
    let maxShift = 0;
    let maxC = -1;
    let secondShift = 0;
    for (let c = 0; c < k; c++) {
      const n = counts[c] as number;
      let s = 0;
      if (n > 0) {
        for (let j = 0; j < D; j++) {
          const v = (sums[c * D + j] as number) / n;
          const d = v - (centers[c * D + j] as number);
          s += d * d;
          centers[c * D + j] = v;
        }
      }
      const sh = Math.sqrt(s);
      shift[c] = sh;
      if (sh > maxShift) {
        secondShift = maxShift;
        maxShift = sh;
        maxC = c;
      } else if (sh > secondShift) secondShift = sh;
    }
    if (maxShift === 0) {
      converged = true;
      break;
    }
    cn = rowSquaredNorms(cm);
    for (let c = 0; c < k; c++) {
      let best = Infinity;
      for (let c2 = 0; c2 < k; c2++) {
        if (c2 === c) continue;
        const d = sqDist(centers, c * D, centers, c2 * D, D);
        if (d < best) best = d;
      }
      half[c] = 0.5 * Math.sqrt(best);
    }
    let changed = 0;
    for (let i = 0; i < N; i++) {
      const a = labels[i] as number;
      upper[i] = (upper[i] as number) + (shift[a] as number);
      lower[i] = (lower[i] as number) - (a === maxC ? secondShift : maxShift);
      const bound = Math.max(half[a] as number, lower[i] as number);
      if ((upper[i] as number) <= bound) continue;
      upper[i] = Math.sqrt(sqDist(x.data, i * D, centers, a * D, D));
      if ((upper[i] as number) <= bound) continue;
      assignFull(i);
      const b = labels[i] as number;
      if (b !== a) {
        changed++;
        addRow(i, a, -1);
        addRow(i, b, 1);
      }
    }
    if (changed === 0) {
      converged = true;
      break;
    }
  }
  return { labels, centers: cm, iterations, converged };
}
