/**
 * KAFAL's knowledge-specialised active sampling (Cao et al., "Knowledge-Aware Federated
 * Active Learning with Non-IID Data", ICCV 2023; official code: ycao5602/KAFAL `main.py`,
 * `get_discrepancy`). Both models' logits are shifted by log of the client's labeled class
 * counts (a class never labeled on this client gets -inf, i.e. is masked out), and the score
 * is the symmetric KL divergence 0.5 * (KL(p_g || p_l) + KL(p_l || p_g)) between the two
 * shifted softmaxes; the b highest scores are queried (lower index on ties). Logits are
 * recovered as log p (softmax is invariant to the per-row constant), with p floored at the
 * smallest double so an underflowed probability stays finite. A client with no labeled
 * class at all scores every sample 0 (then the lowest indices are taken).
 */
import { type Matrix } from '../matrix';
import { topKDescending } from '../uncertainty';
import { scoreReasons } from './simple';
import { defineStrategy, sortedIndices } from './validate';

const TINY = Number.MIN_VALUE;

/** Per-sample KAFAL discrepancy. `counts[c] = 0` masks class c. */
export function kafalScores(globalProbs: Matrix, localProbs: Matrix, counts: ArrayLike<number>): Float64Array {
  const { rows: N, cols: C } = globalProbs;
  const logCount = Float64Array.from({ length: C }, (_, c) => Math.log(counts[c] as number));
  const lg = new Float64Array(C);
  const ll = new Float64Array(C);
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let mg = -Infinity;
    let ml = -Infinity;
    for (let c = 0; c < C; c++) {
      const shift = logCount[c] as number;
      if (shift === -Infinity) continue;
      lg[c] = Math.log(Math.max(globalProbs.data[i * C + c] as number, TINY)) + shift;
      ll[c] = Math.log(Math.max(localProbs.data[i * C + c] as number, TINY)) + shift;
      if ((lg[c] as number) > mg) mg = lg[c] as number;
      if ((ll[c] as number) > ml) ml = ll[c] as number;
    }
    if (mg === -Infinity) continue; // nothing labeled: no specialised knowledge, score 0
    let zg = 0;
    let zl = 0;
    for (let c = 0; c < C; c++) {
      if (logCount[c] === -Infinity) continue;
      zg += Math.exp((lg[c] as number) - mg);
      zl += Math.exp((ll[c] as number) - ml);
    }
    const lzg = mg + Math.log(zg);
    const lzl = ml + Math.log(zl);
    let s = 0;
    for (let c = 0; c < C; c++) {
      if (logCount[c] === -Infinity) continue;
      const logPg = (lg[c] as number) - lzg;
      const logPl = (ll[c] as number) - lzl;
      // KL(g||l) + KL(l||g) = sum (p_g - p_l) (log p_g - log p_l)
      s += (Math.exp(logPg) - Math.exp(logPl)) * (logPg - logPl);
    }
    out[i] = 0.5 * s;
  }
  return out;
}

export const kafalStrategy = defineStrategy('kafal', ['globalProbs', 'localProbs', 'labeledCounts'], (q) => {
  const scores = kafalScores(q.input.globalProbs as Matrix, q.input.localProbs as Matrix, q.labeledCounts);
  const picks = topKDescending(scores, q.budget);
  return { selected: sortedIndices(picks), reasons: scoreReasons(picks, scores, 'kafal-symmetric-kl') };
});
