import { describe, expect, it } from 'vitest';
import { NO_VALIDATION, splitValidation, type LabeledItem } from './validation';

const items = (counts: number[]): LabeledItem[] =>
  counts.flatMap((n, label) => Array.from({ length: n }, (_, j) => ({ key: `sample-${label}-${j}`, label })));

describe('splitValidation', () => {
  it('holds out about a fifth of each class, at least one, never a class below three labels', () => {
    const all = items([34, 6, 6, 3, 2, 1, 0]);
    const { train, heldOut } = splitValidation(all);
    const heldPerClass = [0, 0, 0, 0, 0, 0, 0];
    for (const i of heldOut) heldPerClass[all[i]!.label]!++;
    expect(heldPerClass).toEqual([7, 1, 1, 1, 0, 0, 0]);
    expect(train.length + heldOut.length).toBe(all.length);
    expect(new Set([...train, ...heldOut]).size).toBe(all.length);
  });

  it('depends on the labels only, not on their order, and keeps earlier held-out labels as a class grows', () => {
    const a = items([20, 10]);
    const shuffled = [...a].reverse();
    const keys = (xs: LabeledItem[], idx: number[]) => idx.map((i) => xs[i]!.key).sort();
    expect(keys(shuffled, splitValidation(shuffled).heldOut)).toEqual(keys(a, splitValidation(a).heldOut));
    // Growing a class only adds held-out labels or swaps in a label with a smaller hash; most stay.
    const grown = items([25, 10]);
    const before = new Set(keys(a, splitValidation(a).heldOut));
    const after = keys(grown, splitValidation(grown).heldOut);
    expect(after.filter((k) => before.has(k)).length).toBeGreaterThanOrEqual(before.size - 2);
  });

  it('holds nothing out under the paper protocol', () => {
    const all = items([50, 50]);
    expect(splitValidation(all, NO_VALIDATION).heldOut).toEqual([]);
  });
});
