/**
 * A model's weights as one flat float32 buffer plus a layout (names, shapes, trainable).
 * Flat so federation math (core/aggregation works on Float32Array vectors) needs no copies;
 * the layout travels with it so two sets are only combined when they describe the same model.
 */

export class WeightSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightSetError';
  }
}

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** false for buffers such as BatchNorm running statistics (no gradient, no weight decay). */
  readonly trainable: boolean;
}

export interface WeightSet {
  readonly specs: readonly TensorSpec[];
  /** All tensors concatenated in `specs` order. */
  readonly data: Float32Array;
}

export function specSize(spec: TensorSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

export function layoutSize(specs: readonly TensorSpec[]): number {
  let n = 0;
  for (const s of specs) n += specSize(s);
  return n;
}

/** Offsets of each tensor inside the flat buffer. */
export function layoutOffsets(specs: readonly TensorSpec[]): number[] {
  const out: number[] = [];
  let n = 0;
  for (const s of specs) {
    out.push(n);
    n += specSize(s);
  }
  return out;
}

export function createWeightSet(specs: readonly TensorSpec[], data?: Float32Array): WeightSet {
  const size = layoutSize(specs);
  for (const s of specs) {
    if (!s.shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new WeightSetError(`tensor '${s.name}' has an invalid shape [${s.shape.join(', ')}]`);
    }
  }
  if (new Set(specs.map((s) => s.name)).size !== specs.length) throw new WeightSetError('duplicate tensor names in layout');
  if (data && data.length !== size) {
    throw new WeightSetError(`layout needs ${size} floats but the buffer holds ${data.length}`);
  }
  return { specs, data: data ?? new Float32Array(size) };
}

/** Zero-copy view of one named tensor. */
export function tensorView(set: WeightSet, name: string): Float32Array {
  let off = 0;
  for (const s of set.specs) {
    const n = specSize(s);
    if (s.name === name) return set.data.subarray(off, off + n);
    off += n;
  }
  throw new WeightSetError(`no tensor named '${name}' in this weight set`);
}

export function sameLayout(a: readonly TensorSpec[], b: readonly TensorSpec[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as TensorSpec;
    const y = b[i] as TensorSpec;
    if (x.name !== y.name || x.trainable !== y.trainable || x.shape.length !== y.shape.length) return false;
    if (x.shape.some((d, j) => d !== y.shape[j])) return false;
  }
  return true;
}

export function assertSameLayout(a: WeightSet, b: WeightSet, what = 'weight sets'): void {
  if (!sameLayout(a.specs, b.specs)) {
    const an = a.specs.map((s) => `${s.name}[${s.shape.join('x')}]`).join(',');
    const bn = b.specs.map((s) => `${s.name}[${s.shape.join('x')}]`).join(',');
    throw new WeightSetError(`${what} have different layouts: ${an} vs ${bn}`);
  }
}

export function cloneWeights(a: WeightSet): WeightSet {
  return { specs: a.specs, data: a.data.slice() };
}

/** a + b */
export function addWeights(a: WeightSet, b: WeightSet): WeightSet {
  assertSameLayout(a, b);
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (a.data[i] as number) + (b.data[i] as number);
  return { specs: a.specs, data: out };
}

/** a - b (e.g. a client's update relative to the global model). */
export function subtractWeights(a: WeightSet, b: WeightSet): WeightSet {
  assertSameLayout(a, b);
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (a.data[i] as number) - (b.data[i] as number);
  return { specs: a.specs, data: out };
}

/** s * a */
export function scaleWeights(a: WeightSet, s: number): WeightSet {
  if (!Number.isFinite(s)) throw new WeightSetError(`scale factor must be finite, got ${s}`);
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = s * (a.data[i] as number);
  return { specs: a.specs, data: out };
}

/** Weighted mean of several sets (FedAvg over whole models, buffers included). */
export function weightedMeanWeights(sets: readonly WeightSet[], weights: readonly number[]): WeightSet {
  const first = sets[0];
  if (!first) throw new WeightSetError('weighted mean of zero weight sets');
  if (weights.length !== sets.length) throw new WeightSetError(`${sets.length} weight sets but ${weights.length} weights`);
  let total = 0;
  for (const w of weights) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new WeightSetError(`mixing weight ${w} is not finite and >= 0`);
    total += w;
  }
  if (total <= 0) throw new WeightSetError('mixing weights sum to zero');
  const acc = new Float64Array(first.data.length);
  sets.forEach((s, k) => {
    assertSameLayout(first, s);
    const w = (weights[k] as number) / total;
    for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + w * (s.data[i] as number);
  });
  return { specs: first.specs, data: Float32Array.from(acc) };
}

/** Euclidean norm over all tensors, or over trainable tensors only. */
export function weightNorm(a: WeightSet, opts: { trainableOnly?: boolean } = {}): number {
  let sum = 0;
  let off = 0;
  for (const s of a.specs) {
    const n = specSize(s);
    if (!opts.trainableOnly || s.trainable) {
      for (let i = off; i < off + n; i++) sum += (a.data[i] as number) * (a.data[i] as number);
    }
    off += n;
  }
  return Math.sqrt(sum);
}

/** Name of the first tensor holding NaN or Infinity, or null when all values are finite. */
export function firstNonFinite(a: WeightSet): string | null {
  let off = 0;
  for (const s of a.specs) {
    const n = specSize(s);
    for (let i = off; i < off + n; i++) if (!Number.isFinite(a.data[i] as number)) return s.name;
    off += n;
  }
  return null;
}

export function allWeightsFinite(a: WeightSet): boolean {
  return firstNonFinite(a) === null;
}
