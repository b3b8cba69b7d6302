/**
 * Checks a run log against the protocol's invariants; returns the violations (empty = ok).
 * Used by the tests and by `report`, so a corrupted or inconsistent log never enters a table.
 */
import { type CycleRecord, type HeaderRecord } from './log-schema';

export function logViolations(header: HeaderRecord, cycles: readonly CycleRecord[], trainLabels?: ArrayLike<number>): string[] {
  const bad: string[] = [];
  const K = header.partition.pools.length;
  const N = header.dataset.trainCount;
  const pools = header.partition.pools.map((p) => new Set(p));
  const owner = new Map<number, number>();
  header.partition.pools.forEach((p, k) => p.forEach((i) => {
    if (owner.has(i)) bad.push(`sample ${i} is in the pools of clients ${owner.get(i)} and ${k}`);
    owner.set(i, k);
    if (!(i >= 0 && i < N)) bad.push(`pool of client ${k} holds ${i}, outside the train split 0..${N - 1}`);
  }));
  let labeled = header.initialLabeled.map((l) => new Set(l));
  labeled.forEach((set, k) => {
    if (set.size !== header.initialPerClient) bad.push(`client ${k} starts with ${set.size} labels, expected ${header.initialPerClient}`);
    for (const i of set) if (!pools[k]?.has(i)) bad.push(`client ${k} starts with sample ${i} outside its pool`);
  });
  let firstGammaBar: number | null = null;
  cycles.forEach((rec, idx) => {
    if (rec.cycle !== idx) bad.push(`record ${idx} is cycle ${rec.cycle}`);
    const last = idx === header.fractions.length - 1;
    if (rec.clients.length !== K) bad.push(`cycle ${idx}: ${rec.clients.length} client entries for ${K} clients`);
    const total = labeled.reduce((s, l) => s + l.size, 0);
    if (rec.labeledTotal !== total) bad.push(`cycle ${idx}: labeledTotal ${rec.labeledTotal}, expected ${total}`);
    const all = new Set<number>();
    const next: Set<number>[] = [];
    rec.clients.forEach((cl, k) => {
      const L = labeled[k] as Set<number>;
      if (cl.labeled !== L.size) bad.push(`cycle ${idx} client ${k}: logged ${cl.labeled} labels, expected ${L.size}`);
      for (const i of L) {
        if (all.has(i)) bad.push(`cycle ${idx}: sample ${i} labeled by two clients`);
        all.add(i);
        if (!(i >= 0 && i < N)) bad.push(`cycle ${idx} client ${k}: labeled id ${i} is not a train sample`);
      }
      if (trainLabels) {
        const h = new Array<number>(header.dataset.numClasses).fill(0);
        for (const i of L) h[trainLabels[i] as number] = (h[trainLabels[i] as number] as number) + 1;
        if (JSON.stringify(h) !== JSON.stringify(cl.histogram)) bad.push(`cycle ${idx} client ${k}: histogram does not match the labels`);
      }
      const q = cl.queried;
      if (last) {
        if (q !== null) bad.push(`cycle ${idx} (last) client ${k}: queried after the last cycle`);
        next.push(L);
        return;
      }
      if (q === null) {
        bad.push(`cycle ${idx} client ${k}: no query`);
        next.push(L);
        return;
      }
      if (q.length !== header.budgetPerClient) bad.push(`cycle ${idx} client ${k}: queried ${q.length}, budget ${header.budgetPerClient}`);
      if (new Set(q).size !== q.length) bad.push(`cycle ${idx} client ${k}: duplicate queries`);
      for (const i of q) {
        if (L.has(i)) bad.push(`cycle ${idx} client ${k}: re-queried labeled sample ${i}`);
        if (!pools[k]?.has(i)) bad.push(`cycle ${idx} client ${k}: queried ${i} outside its pool`);
      }
      next.push(new Set([...L, ...q]));
    });
    if (header.config['strategy'] === 'fairfal' && !last) {
      if (rec.gammaBar === null) bad.push(`cycle ${idx}: FairFAL query without gamma_bar`);
      else if (firstGammaBar === null) {
        firstGammaBar = rec.gammaBar;
        if (rec.gammaBarCycle !== idx) bad.push(`cycle ${idx}: gamma_bar set at cycle ${rec.gammaBarCycle}, expected ${idx}`);
      } else if (rec.gammaBar !== firstGammaBar) bad.push(`cycle ${idx}: gamma_bar changed from ${firstGammaBar} to ${rec.gammaBar}`);
    }
    labeled = next;
  });
  return bad;
}
