// The clinic's held-out validation labels (issue 16): a stratified part of its own labels that
// no model of its trains on, so every quality figure it sees is measured on images the model
// never saw. Per class with at least `minClassSize` labels, round(n * fraction) of them (at
// least `minPerClass`) are held out; rarer classes are all trained on, since one image kept
// aside says nothing and costs the model its only examples. Which images: those with the
// smallest stable hash of their id, so a split repeats for the same labels and changes little
// as labels arrive (each cycle trains from a fresh init, so a label that moves between the
// parts never leaks into a figure of a model that trained on it).

import { fnv1a } from '../hash';

export interface ValidationSettings {
  /** Share of each class's labels held out (0 = none: the paper's protocol trains on every label). */
  fraction: number;
  /** Held-out images per class at least, where the class is large enough. */
  minPerClass: number;
  /** Classes with fewer labels are not held out from at all. */
  minClassSize: number;
}

export const VALIDATION_DEFAULTS: ValidationSettings = { fraction: 0.2, minPerClass: 1, minClassSize: 3 };
export const NO_VALIDATION: ValidationSettings = { fraction: 0, minPerClass: 0, minClassSize: Number.MAX_SAFE_INTEGER };

export interface LabeledItem {
  /** Stable identity (the sample id: a content hash). */
  key: string;
  label: number;
}

/** Indices (into `items`) of the training and the held-out part, each in `items` order. */
export interface ValidationSplit {
  train: number[];
  heldOut: number[];
}

export function splitValidation(items: readonly LabeledItem[], settings: ValidationSettings = VALIDATION_DEFAULTS): ValidationSplit {
  const byClass = new Map<number, { i: number; h: number }[]>();
  items.forEach((it, i) => {
    const list = byClass.get(it.label) ?? [];
    list.push({ i, h: fnv1a(it.key, 0x5a17) });
    byClass.set(it.label, list);
  });
  const held = new Set<number>();
  if (settings.fraction > 0) {
    for (const list of byClass.values()) {
      const n = list.length;
      if (n < settings.minClassSize) continue;
      // Never all of a class: at least one label of it stays to train on.
      const k = Math.min(n - 1, Math.max(settings.minPerClass, Math.round(n * settings.fraction)));
      list.sort((a, b) => a.h - b.h || a.i - b.i);
      for (const x of list.slice(0, k)) held.add(x.i);
    }
  }
  const train: number[] = [];
  const heldOut: number[] = [];
  items.forEach((_, i) => (held.has(i) ? heldOut : train).push(i));
  return { train, heldOut };
}
