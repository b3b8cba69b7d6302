/**
 * Classification metrics for the engine's evaluate(): the pure definitions live in
 * src/core/metrics.ts; this packs them into the plain shape the worker protocol carries.
 */
import { confusionMatrix } from '../../core/metrics';
import { argmaxRows as argmaxMatrixRows } from '../../core/uncertainty';

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
  const flat = confusionMatrix(trueLabels, predicted, numClasses);
  const confusion = Array.from({ length: numClasses }, (_, t) => Array.from(flat.subarray(t * numClasses, (t + 1) * numClasses)));
  let correct = 0;
  const perClassRecall = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    correct += row[c] as number;
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

/** Row-wise argmax of a flat N x C probability buffer (first maximum wins, as torch.argmax). */
export function argmaxRows(probs: Float32Array, numClasses: number): Int32Array {
  return argmaxMatrixRows({ data: probs, rows: probs.length / numClasses, cols: numClasses });
}
