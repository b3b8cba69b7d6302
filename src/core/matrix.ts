/**
 * A tiny row-major matrix over typed arrays, plus the validation helpers every query entry
 * point runs before doing any work (finite checks name the offending row and column).
 */
import { QueryInputError } from './errors';

export type FloatArray = Float32Array | Float64Array;

export interface Matrix<T extends FloatArray = FloatArray> {
  readonly data: T;
  readonly rows: number;
  readonly cols: number;
}

/** A zero-filled Float64 matrix. */
export function zeros(rows: number, cols: number): Matrix<Float64Array> {
  return { data: new Float64Array(rows * cols), rows, cols };
}

/** Wrap existing data; throws if the length does not match rows * cols. */
export function matrix<T extends FloatArray>(data: T, rows: number, cols: number, name = 'matrix'): Matrix<T> {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new QueryInputError('shape-mismatch', `${name}: rows/cols must be non-negative integers, got ${rows}x${cols}`);
  }
  if (data.length !== rows * cols) {
    throw new QueryInputError('shape-mismatch', `${name}: data has ${data.length} values, expected ${rows}x${cols}=${rows * cols}`);
  }
  return { data, rows, cols };
}

/** Build a Float64 matrix from nested arrays (fixtures, tests). Ragged input is an error. */
export function fromRows(rowsIn: readonly (readonly number[])[], name = 'matrix', cols?: number): Matrix<Float64Array> {
  const rows = rowsIn.length;
  const c = cols ?? (rows > 0 ? (rowsIn[0] as readonly number[]).length : 0);
  const data = new Float64Array(rows * c);
  for (let i = 0; i < rows; i++) {
    const r = rowsIn[i] as readonly number[];
    if (r.length !== c) throw new QueryInputError('shape-mismatch', `${name}: row ${i} has ${r.length} values, expected ${c}`);
    data.set(r, i * c);
  }
  return { data, rows, cols: c };
}

/** Nested arrays back from a matrix (for JSON and tests). */
export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** A view (no copy) of row i. */
export function row<T extends FloatArray>(m: Matrix<T>, i: number): T {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols) as T;
}

/** Copy of the given rows, in the given order, as a new Float64 matrix. */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix<Float64Array> {
  const out = new Float64Array(indices.length * m.cols);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), k * m.cols);
  }
  return { data: out, rows: indices.length, cols: m.cols };
}

/** Throws 'non-finite' naming the first NaN/Inf cell. */
export function assertFinite(m: Matrix, name: string): void {
  const d = m.data;
  for (let k = 0; k < d.length; k++) {
    const v = d[k] as number;
    if (!Number.isFinite(v)) {
      const r = Math.floor(k / m.cols);
      throw new QueryInputError('non-finite', `${name}[${r}][${k - r * m.cols}] is ${v}`);
    }
  }
}

/** Throws 'shape-mismatch' unless m has the expected rows and/or cols. */
export function assertShape(m: Matrix, name: string, rows?: number, cols?: number): void {
  if (m.data.length !== m.rows * m.cols) {
    throw new QueryInputError('shape-mismatch', `${name}: data has ${m.data.length} values for ${m.rows}x${m.cols}`);
  }
  if ((rows !== undefined && m.rows !== rows) || (cols !== undefined && m.cols !== cols)) {
    throw new QueryInputError(
      'shape-mismatch',
      `${name} is ${m.rows}x${m.cols}, expected ${rows ?? '*'}x${cols ?? '*'}`,
    );
  }
}

/** Finite, in [0, 1] (with a little slack), rows summing to ~1. Names the first bad row. */
export function assertProbabilities(m: Matrix, name: string, tolerance = 1e-3): void {
  assertFinite(m, name);
  const { data, rows, cols } = m;
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j] as number;
      if (v < 0 || v > 1 + tolerance) {
        throw new QueryInputError('not-probability', `${name}[${i}][${j}] is ${v}, outside [0, 1]`);
      }
      sum += v;
    }
    if (Math.abs(sum - 1) > tolerance) {
      throw new QueryInputError('not-probability', `${name} row ${i} sums to ${sum}, expected 1`);
    }
  }
}

/** Labels must be integers in [0, numClasses). */
export function assertLabels(labels: ArrayLike<number>, numClasses: number, name: string): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new QueryInputError('bad-label', `${name}[${i}] is ${y}, expected an integer in [0, ${numClasses})`);
    }
  }
}

/** Squared L2 norm of every row. */
export function rowSquaredNorms(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  const { data, cols } = m;
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[o + j] as number;
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

/** Dot product of row i of a and row j of b (same cols). */
export function rowDot(a: Matrix, i: number, b: Matrix, j: number): number {
  const ad = a.data;
  const bd = b.data;
  const n = a.cols;
  const ao = i * n;
  const bo = j * n;
  let s = 0;
  for (let k = 0; k < n; k++) s += (ad[ao + k] as number) * (bd[bo + k] as number);
  return s;
}
