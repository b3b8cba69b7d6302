// Class balance of this client's labeled set and the equal per-class quota the budget aims
// at once this cycle's budget is spent.
import type { AnnotatorDb } from '../../db/database';
import { labeledThisRound } from '../../db/round-count';
import { useLiveQuery } from '../../hooks/useLiveQuery';

export interface Balance {
  counts: number[];
  total: number;
  labeledThisCycle: number;
  /** Equal share per class of (labeled set + what is left of this cycle's budget). */
  quota: number;
}

export async function computeBalance(db: AnnotatorDb, classCount: number, cycle: number | null, budget: number): Promise<Balance> {
  const counts = new Array<number>(classCount).fill(0);
  await db.labels.each((l) => {
    if (l.classIndex < classCount) counts[l.classIndex]! += 1;
  });
  const total = counts.reduce((a, b) => a + b, 0);
  // Labels given anywhere since this round's queue arrived (db/round-count.ts).
  const labeledThisCycle = cycle === null ? 0 : await labeledThisRound(db, cycle);
  const target = total + Math.max(0, budget - labeledThisCycle);
  return { counts, total, labeledThisCycle, quota: classCount ? Math.ceil(target / classCount) : 0 };
}

export function useBalance(db: AnnotatorDb, classCount: number, cycle: number | null, budget: number): Balance | undefined {
  return useLiveQuery(() => computeBalance(db, classCount, cycle, budget), [db, classCount, cycle, budget]);
}
