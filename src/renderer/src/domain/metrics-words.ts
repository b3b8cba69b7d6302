// The model-quality figures in words a clinician reads: whole percentages with their 95%
// interval, what the model was measured on (held-out images it never trained on, or a host's
// test set), what it trained on, and why a figure cannot be trusted yet. Whole percentages on
// purpose: with a few dozen held-out images a decimal would claim precision that is not there.
import type { CycleMetrics, FederationPlan, Interval } from '../../../shared/api';
import type { ClassInfo } from './classes';

export const percent = (v: number): string => `${Math.round(v * 100)}%`;

const plural = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** "24–53%", or null where no interval was computed. */
export function rangeWords(iv: Interval | null | undefined): string | null {
  return iv ? `${Math.round(iv[0] * 100)}–${percent(iv[1])}` : null;
}

/** "95% CI 24–53%", or null where no interval was computed. */
export function intervalWords(iv: Interval | null | undefined): string | null {
  const range = rangeWords(iv);
  return range ? `95% CI ${range}` : null;
}

/** "38% (95% CI 24–53%)", or "38%" alone where no interval was computed. */
export function figureWords(value: number, iv: Interval | null | undefined): string {
  const ci = intervalWords(iv);
  return ci ? `${percent(value)} (${ci})` : percent(value);
}

/**
 * Stored before held-out measuring existed (source 'training' by the schema's default): such a
 * figure was measured on the training labels themselves.
 */
export function isEarlierMeasurement(m: CycleMetrics): boolean {
  return m.source === 'training' || (m.trainedOn === null && m.perClassCount.length === 0);
}

/** What the figures were measured on, as one sentence. */
export function measuredOnWords(m: CycleMetrics): string {
  if (isEarlierMeasurement(m)) return `Measured on ${m.evaluatedOn}, by an earlier version of the app.`;
  if (m.source === 'external') return `Measured on ${m.evaluatedOn}.`;
  return `Measured on ${plural(m.samples, 'held-out image', 'held-out images')} this model never trained on.`;
}

/** "Trained on 96 of your 120 labels (24 kept aside to check it).", or null when not recorded. */
export function trainedOnWords(m: CycleMetrics): string | null {
  if (m.trainedOn === null) return null;
  const aside = Math.max(0, m.labeledCount - m.trainedOn);
  if (aside === 0) return m.labeledCount === 1 ? 'Trained on your one label.' : `Trained on all ${m.labeledCount.toLocaleString('en-US')} of your labels.`;
  return `Trained on ${m.trainedOn.toLocaleString('en-US')} of your ${plural(m.labeledCount, 'label', 'labels')} (${aside.toLocaleString('en-US')} kept aside to check it).`;
}

/** How to read the headline: balanced accuracy, and the interval where there is one. */
export function readingHelp(m: CycleMetrics): string {
  const ba = 'Balanced accuracy is the mean of the per-class recalls (sensitivity), so a rare class weighs as much as a common one.';
  if (!m.intervals) return ba;
  const more = m.source === 'external' ? 'with more test images' : 'as more labels are kept aside';
  return `${ba} The 95% CI is the range the true value most likely lies in; it narrows ${more}.`;
}

const EARLIER_NOTE = 'This figure was measured by an earlier version of the app, possibly on labels the model trained on, so it may look better than the model is. The next training measures it on held-out labels.';

/** The node's reasons not to trust the figures yet, plus ours for an earlier measurement. */
export function trustNotes(m: CycleMetrics): string[] {
  return isEarlierMeasurement(m) ? [...m.warnings, EARLIER_NOTE] : m.warnings;
}

/** The one plain line above the notes: what they mean for reading the figures. */
export function trustIntro(m: CycleMetrics): string {
  if (m.warnings.length === 0) return 'This figure may not show how the model does on images it has not seen.';
  // The node's notes already say why (few images, a class unmeasured, a wide interval).
  return 'These are real measurements, but not yet firm enough to rely on:';
}

/**
 * Whether the per-cycle lines leave this entry out: an earlier measurement (often on training
 * labels) beside held-out ones would draw a fall that is only a change of yardstick.
 */
export function leftOutOfLines(m: CycleMetrics, all: readonly CycleMetrics[]): boolean {
  return isEarlierMeasurement(m) && all.some((x) => !isEarlierMeasurement(x));
}

/** Under the per-cycle charts: which cycles were measured the old way, and what the lines do with them. */
export function earlierCyclesNote(metrics: readonly CycleMetrics[]): string | null {
  const cycles = metrics.filter(isEarlierMeasurement).map((m) => m.cycle + 1);
  if (cycles.length === 0) return null;
  const list = cycles.length === 1 ? `Cycle ${cycles[0]} was` : `Cycles ${cycles.slice(0, -1).join(', ')} and ${cycles[cycles.length - 1]} were`;
  const lines = cycles.length < metrics.length ? 'left out of the lines' : 'compare with care';
  return `${list} measured by an earlier version of the app, possibly on labels the model trained on: ${lines}.`;
}

/** Header of the per-class n column. */
export function countHeader(m: CycleMetrics): string {
  if (m.source === 'external') return 'Test images';
  return isEarlierMeasurement(m) ? 'Images' : 'Held-out images';
}

export interface ClassRecallRow {
  index: number;
  name: string;
  color: string;
  /** Images of this class the figure rests on; null where not recorded (earlier measurement). */
  n: number | null;
  /** "60%" or "—". */
  recall: string;
  /** The 95% interval, "23–88%", or why there is no figure / interval. */
  detail: string;
  measured: boolean;
}

/** One row per class for the per-class table, in class order. */
export function classRecallRows(m: CycleMetrics, classes: readonly ClassInfo[]): ClassRecallRow[] {
  const counted = m.perClassCount.length > 0;
  return classes.map((c) => {
    const n = counted ? (m.perClassCount[c.index] ?? 0) : null;
    const r = m.perClassRecall[c.index] ?? null;
    const base = { index: c.index, name: c.name, color: c.color, n };
    if (r === null || n === 0) {
      const why = m.source === 'external' ? 'no image of this class in the test set' : 'no held-out image of this class yet';
      return { ...base, recall: '—', detail: counted || m.source === 'external' ? why : 'not measured', measured: false };
    }
    return { ...base, recall: percent(r), detail: rangeWords(m.intervals?.perClassRecall[c.index]) ?? 'no interval computed', measured: true };
  });
}

export interface EmptyWords {
  title: string;
  sentences: string[];
}

/**
 * Why there is no quality figure yet. `validation`: the study's held-out settings (absent: it
 * keeps no label aside); `countsPerClass`: this clinic's labels per class, if known.
 */
export function emptyMetricsWords(validation: FederationPlan['validation'] | undefined, countsPerClass?: readonly number[]): EmptyWords {
  const why = 'The model’s quality is measured only on labels kept aside: some of each class’s labels that it never trains on, so the figure tells how it does on images it has not seen.';
  if (!validation || validation.fraction === 0) {
    return { title: 'No quality figure in this study', sentences: [why, 'This study trains on every label and keeps none aside, so no figure is measured on this computer.'] };
  }
  const need = validation.minClassSize;
  const sentences = [why, `A figure appears after the first training once a class has at least ${need} labels, so some can be kept aside (about ${percent(validation.fraction)} of each class).`];
  if (countsPerClass && countsPerClass.length > 0) {
    const ready = countsPerClass.filter((n) => n >= need).length;
    sentences.push(ready === 0 ? `No class has ${need} labels yet.` : `${ready} of your ${countsPerClass.length} classes ${ready === 1 ? 'has' : 'have'} enough labels: the figure appears after the next training.`);
  }
  return { title: 'No quality figure yet', sentences };
}
