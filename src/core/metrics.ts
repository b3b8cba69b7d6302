/**
 * Classification metrics over integer labels (pure; used by the engine and the simulator).
 * Classes with no true sample have undefined recall (NaN) and are left out of balanced
 * accuracy, matching sklearn's balanced_accuracy_score on the classes that occur.
 */
import { CoreArgumentError } from './errors';

function check(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new CoreArgumentError(`numClasses must be a positive integer, got ${numClasses}`);
  if (yTrue.length !== yPred.length) {
    throw new CoreArgumentError(`yTrue has ${yTrue.length} labels, yPred has ${yPred.length}`);
  }
  for (const [name, ys] of [['yTrue', yTrue], ['yPred', yPred]] as const) {
    for (let i = 0; i < ys.length; i++) {
      const y = ys[i] as number;
      if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
        throw new CoreArgumentError(`${name}[${i}] is ${y}, expected an integer in [0, ${numClasses})`);
      }
    }
  }
}

/** C x C counts, row = true class, column = predicted class (row-major Int32Array). */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): Int32Array {
  check(yTrue, yPred, numClasses);
  const m = new Int32Array(numClasses * numClasses);
  for (let i = 0; i < yTrue.length; i++) m[(yTrue[i] as number) * numClasses + (yPred[i] as number)]++;
  return m;
}

/** Fraction correct; NaN for no samples. */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number {
  check(yTrue, yPred, numClasses);
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return yTrue.length === 0 ? NaN : ok / yTrue.length;
}

/** Recall of each class (NaN where the class has no true sample). */
export function perClassRecall(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): Float64Array {
  const cm = confusionMatrix(yTrue, yPred, numClasses);
  const out = new Float64Array(numClasses);
  for (let c = 0; c < numClasses; c++) {
    let total = 0;
    for (let j = 0; j < numClasses; j++) total += cm[c * numClasses + j] as number;
    out[c] = total === 0 ? NaN : (cm[c * numClasses + c] as number) / total;
  }
  return out;
}

/** Mean recall over the classes that occur in yTrue; NaN for no samples. */
export function balancedAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number {
  const r = perClassRecall(yTrue, yPred, numClasses);
  let s = 0;
  let n = 0;
  for (const v of r) {
    if (Number.isNaN(v)) continue;
    s += v;
    n++;
  }
  return n === 0 ? NaN : s / n;
}
