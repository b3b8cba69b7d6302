/**
 * Fixed-point encoding for secure aggregation: masks are added in the ring Z_2^32, so every
 * float becomes round(x * 2^scaleBits) mod 2^32 (two's complement), and the sum of n clients'
 * vectors decodes back as long as it never leaves (-2^31, 2^31): checked before anything is sent.
 */
export class FixedPointError extends Error {
  override readonly name = 'FixedPointError';
}

export interface FixedPointSpec {
  /** Fractional bits: resolution 2^-scaleBits (16: ~1.5e-5). */
  scaleBits: number;
  /** Largest |value| a client may send (after its own pre-scaling). */
  range: number;
}

/** Throws unless n clients' values of at most `range` sum without leaving the ring. */
export function checkCapacity(spec: FixedPointSpec, clients: number): void {
  const worst = clients * spec.range * 2 ** spec.scaleBits;
  if (!(worst < 2 ** 31)) {
    throw new FixedPointError(`${clients} clients x range ${spec.range} at 2^-${spec.scaleBits} resolution can overflow the 32-bit sum: lower the range or the scale`);
  }
}

export function encodeFixed(values: ArrayLike<number>, spec: FixedPointSpec): Uint32Array {
  const out = new Uint32Array(values.length);
  const scale = 2 ** spec.scaleBits;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) throw new FixedPointError(`value ${i} is not finite (NaN or infinity)`);
    if (Math.abs(v) > spec.range) throw new FixedPointError(`value ${i} is ${v}, outside the stated range +-${spec.range}`);
    out[i] = Math.round(v * scale) >>> 0;
  }
  return out;
}

/** The ring sum back to floats (two's complement). */
export function decodeFixed(sum: Uint32Array, spec: FixedPointSpec): Float64Array {
  const out = new Float64Array(sum.length);
  const scale = 2 ** spec.scaleBits;
  for (let i = 0; i < sum.length; i++) out[i] = ((sum[i] as number) | 0) / scale;
  return out;
}

/** a + b mod 2^32, in place in a. */
export function addRing(a: Uint32Array, b: Uint32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = ((a[i] as number) + (b[i] as number)) >>> 0;
}

/** a - b mod 2^32, in place in a. */
export function subRing(a: Uint32Array, b: Uint32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = ((a[i] as number) - (b[i] as number)) >>> 0;
}
