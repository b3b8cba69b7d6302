// "Why this image" in words a clinician reads without knowing FairFAL: what the model is unsure
// about, which labeled examples the image resembles, and whether that kind of image is still
// rare among this clinic's labels. The technical figures stay one click away in the panel.
import type { QueueReason } from '../../../shared/api';
import type { ClassInfo } from './classes';

export interface ReasonContext {
  reason: QueueReason;
  /** The current model's class probabilities for this image, if it has been trained. */
  probs: number[] | null;
  classes: readonly ClassInfo[];
  /** Labels per class in this clinic's labeled set, if known. */
  labeledCounts?: readonly number[];
}

function flat(probs: readonly number[]): boolean {
  return probs.length > 0 && Math.max(...probs) - Math.min(...probs) < 0.02;
}

export function reasonSentences({ reason: r, probs, classes, labeledCounts }: ReasonContext): string[] {
  if (r.strategy === 'cold-start') return ['A typical image of one group of similar-looking images in your collection: the first labels cover all of it, not only its most common kind.'];
  if (r.strategy === 'random') return ['Chosen at random: a first set of labeled examples lets the model start learning before it can say which images are informative.'];
  if (r.strategy !== 'fairfal') return [`Chosen by the ${r.strategy} selection rule.`];
  const out: string[] = [];
  const name = (i: number) => classes[i]?.short ?? `class ${i + 1}`;
  if (probs && !flat(probs)) {
    const [a, b] = probs.map((p, i) => ({ p, i })).sort((x, y) => y.p - x.p);
    if (a && b && (r.normalizedEntropy ?? 0) >= 0.5) out.push(`The model is unsure between ${name(a.i)} and ${name(b.i)}.`);
    else if (a) out.push(`The model leans towards ${name(a.i)}, but images like this one still teach it the most.`);
  } else {
    out.push('The model cannot tell this image’s class yet.');
  }
  if (r.pseudoLabel !== null) {
    const c = classes[r.pseudoLabel];
    const label = c?.name ?? `class ${r.pseudoLabel + 1}`;
    const n = labeledCounts?.[r.pseudoLabel];
    const total = labeledCounts?.reduce((s, v) => s + v, 0) ?? 0;
    const rare = n !== undefined && labeledCounts !== undefined && labeledCounts.length > 0 && n < total / labeledCounts.length;
    // Similarity to labeled examples, not a diagnosis: never called a label.
    out.push(rare ? `It resembles your ${label} examples, a class still under-represented in your labels (${n} of ${total}).` : `It resembles your ${label} examples.`);
  }
  out.push(r.kcenterDistance === null ? 'It is the first pick among images of that kind this cycle.' : 'Few images like this one are labeled yet.');
  return out;
}
