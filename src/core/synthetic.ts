/**
 * Seeded synthetic client data with a realistic shape (clustered penultimate features,
 * softmax outputs of two noisy linear heads, long-tailed labels). Used by tests and the
 * benchmarks so both exercise the strategies on the same kind of input.
 */
import { type Matrix } from './matrix';
import { createRng, type Rng } from './rng';
import { type QueryInput } from './strategies/types';

export interface SyntheticClientOptions {
  poolSize: number;
  labeledSize: number;
  numClasses: number;
  featureDim: number;
  seed: number;
  /** Imbalance: class c is drawn with weight ratio^(c/(C-1)) (default 0.05). */
  ratio?: number;
}

function softmaxRowsInPlace(m: Matrix<Float64Array>): void {
  const { data, rows, cols } = m;
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, data[i * cols + j] as number);
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp((data[i * cols + j] as number) - max);
      data[i * cols + j] = e;
      s += e;
    }
    for (let j = 0; j < cols; j++) data[i * cols + j] = (data[i * cols + j] as number) / s;
  }
}

function drawLabels(n: number, weights: Float64Array, rng: Rng): Int32Array {
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let t = rng.next() * total;
    let c = 0;
    while (c < weights.length - 1 && (t -= weights[c] as number) >= 0) c++;
    out[i] = c;
  }
  return out;
}

/** A full QueryInput (every field any strategy needs) plus the hidden true pool labels. */
export function syntheticClient(o: SyntheticClientOptions): QueryInput & { poolLabels: Int32Array } {
  const rng = createRng(o.seed);
  const { poolSize: N, labeledSize: L, numClasses: C, featureDim: D } = o;
  const ratio = o.ratio ?? 0.05;
  const weights = Float64Array.from({ length: C }, (_, c) => Math.pow(ratio, C > 1 ? c / (C - 1) : 0));
  const means = Float64Array.from({ length: C * D }, () => rng.normal());
  const headG = Float64Array.from({ length: D * C }, () => rng.normal(0, 0.3));
  const headL = Float64Array.from({ length: D * C }, () => rng.normal(0, 0.3));

  const make = (n: number, labels: Int32Array) => {
    const feats = new Float64Array(n * D);
    for (let i = 0; i < n; i++) {
      const y = labels[i] as number;
      for (let k = 0; k < D; k++) feats[i * D + k] = Math.max(0, (means[y * D + k] as number) + rng.normal(0, 0.8)); // ReLU-like
    }
    const logits = (head: Float64Array, local: boolean): Matrix<Float64Array> => {
      const out = new Float64Array(n * C);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let k = 0; k < D; k++) s += (feats[i * D + k] as number) * (head[k * C + c] as number);
          out[i * C + c] = s + (c === labels[i] ? 1.5 : 0) + (local ? rng.normal(0, 0.5) : 0);
        }
      }
      const m = { data: out, rows: n, cols: C };
      softmaxRowsInPlace(m);
      return m;
    };
    const localFeats = Float64Array.from(feats, (v) => v * 0.9 + Math.abs(rng.normal(0, 0.1)));
    return {
      features: { data: feats, rows: n, cols: D },
      localFeatures: { data: localFeats, rows: n, cols: D },
      globalProbs: logits(headG, false),
      localProbs: logits(headL, true),
    };
  };

  const poolLabels = drawLabels(N, weights, rng);
  const labeledLabels = drawLabels(L, weights, rng);
  const u = make(N, poolLabels);
  const l = make(L, labeledLabels);
  return {
    numClasses: C,
    globalProbs: u.globalProbs,
    localProbs: u.localProbs,
    globalFeatures: u.features,
    localFeatures: u.localFeatures,
    labeledGlobalFeatures: l.features,
    labeledLabels,
    labeledGlobalProbs: l.globalProbs,
    labeledLocalProbs: l.localProbs,
    poolLabels,
  };
}
