/**
 * Classification metrics. (Kept in engine until src/core/metrics.ts exists; pure, move-ready.)
 */
export interface ClassificationMetrics {
  accuracy: number;
  /** Mean recall over classes that occur in the true labels. */
  balancedAccuracy: number;
  /** Recall per class; NaN for classes absent from the true labels. */
  perClassRecall: number[];
  /** confusion[true][pred] */
  confusion: number[][];
  count: number;
}

export function classificationMetrics(trueLabels: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): ClassificationMetrics {
  if (trueLabels.length !== predicted.length) throw new Error(`${trueLabels.length} labels but ${predicted.length} predictions`);
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  let correct = 0;
  for (let i = 0; i < trueLabels.length; i++) {
    const t = trueLabels[i] as number;
    const p = predicted[i] as number;
    if (t < 0 || t >= numClasses || p < 0 || p >= numClasses) throw new Error(`class index out of range at ${i}: true ${t}, predicted ${p}`);
    (confusion[t] as number[])[p] = ((confusion[t] as number[])[p] as number) + 1;
    if (t === p) correct++;
  }
  const perClassRecall = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total > 0 ? (row[c] as number) / total : Number.NaN;
  });
  const present = perClassRecall.filter((r) => !Number.isNaN(r));
  return {
    accuracy: trueLabels.length > 0 ? correct / trueLabels.length : 0,
    balancedAccuracy: present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : 0,
    perClassRecall,
    confusion,
    count: trueLabels.length,
  };
}

export function argmaxRows(probs: Float32Array, numClasses: number): Int32Array {
  const n = probs.length / numClasses;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if ((probs[i * numClasses + c] as number) > (probs[i * numClasses + best] as number)) best = c;
    out[i] = best;
  }
  return out;
}
