/**
 * Long-tailed subsampling (official util/longtail_dataset.py, imb_type 'exp'): class c keeps
 * int(n_max * rho^(c / (C-1))) randomly chosen samples, n_max = N / C by default (the
 * official img_max), capped at what the class has. rho = 0.05 gives imbalance ratio 20.
 */
import { type Rng } from '../rng';
import { checkLabels, indicesByClass, PartitionError } from './errors';

export interface LongTailOptions {
  numClasses: number;
  rho: number;
  /** Images kept for class 0; default N / C. */
  nMax?: number;
}

/** Per-class targets int(nMax * rho^(c/(C-1))) before capping. */
export function longTailCounts(numClasses: number, nMax: number, rho: number): number[] {
  if (!(rho > 0 && rho <= 1)) throw new PartitionError(`long-tail rho must be in (0, 1], got ${rho}`);
  if (!(nMax >= 0) || !Number.isFinite(nMax)) throw new PartitionError(`long-tail nMax must be >= 0, got ${nMax}`);
  return Array.from({ length: numClasses }, (_, c) => Math.trunc(nMax * Math.pow(rho, numClasses > 1 ? c / (numClasses - 1) : 0)));
}

/** Indices kept (ascending) and the per-class counts kept. */
export function longTailSubset(labels: ArrayLike<number>, opts: LongTailOptions, rng: Rng): { indices: number[]; counts: number[] } {
  checkLabels(labels, opts.numClasses);
  const targets = longTailCounts(opts.numClasses, opts.nMax ?? labels.length / opts.numClasses, opts.rho);
  const byClass = indicesByClass(labels, opts.numClasses);
  const kept: number[] = [];
  const counts: number[] = [];
  byClass.forEach((idx, c) => {
    const take = Math.min(targets[c] as number, idx.length);
    kept.push(...rng.shuffle(idx.slice()).slice(0, take));
    counts.push(take);
  });
  return { indices: kept.sort((a, b) => a - b), counts };
}
