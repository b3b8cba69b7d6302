/**
 * Versioned binary weights file, pure (the caller passes sha256 so core stays free of node:).
 *
 * Layout (little-endian):
 *   magic "FFALWTS\0" (8 bytes) | u32 version | u32 header length H | H bytes UTF-8 JSON header
 *   | zero padding to a 4-byte boundary | float32 tensors in header order | sha256 (32 bytes)
 *   of every byte before it.
 */
import { createWeightSet, layoutSize, type TensorSpec, type WeightSet } from './weight-set';

export const WEIGHTS_MAGIC = 'FFALWTS\0';
export const WEIGHTS_VERSION = 1;
const SHA_BYTES = 32;
const PREFIX_BYTES = 16;

export class WeightCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightCodecError';
  }
}

export type Sha256 = (bytes: Uint8Array) => Uint8Array;

export interface WeightsHeader {
  readonly model: string;
  /** [height, width, channels] */
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly dtype: 'float32';
  readonly tensors: readonly TensorSpec[];
  /** Free-form provenance (seed, round, schedule...). */
  readonly meta?: Readonly<Record<string, string | number | boolean>>;
}

export interface DecodedWeights {
  readonly header: WeightsHeader;
  readonly weights: WeightSet;
}

export function encodeWeights(
  header: Omit<WeightsHeader, 'tensors' | 'dtype'>,
  weights: WeightSet,
  sha256: Sha256,
): Uint8Array {
  const full: WeightsHeader = { ...header, dtype: 'float32', tensors: weights.specs };
  const json = utf8Encode(JSON.stringify(full));
  const pad = (4 - ((PREFIX_BYTES + json.length) % 4)) % 4;
  const dataStart = PREFIX_BYTES + json.length + pad;
  const total = dataStart + weights.data.byteLength + SHA_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = WEIGHTS_MAGIC.charCodeAt(i);
  view.setUint32(8, WEIGHTS_VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, PREFIX_BYTES);
  const floats = new DataView(out.buffer, dataStart, weights.data.byteLength);
  for (let i = 0; i < weights.data.length; i++) floats.setFloat32(i * 4, weights.data[i] as number, true);
  const digest = sha256(out.subarray(0, total - SHA_BYTES));
  if (digest.length !== SHA_BYTES) throw new WeightCodecError(`sha256 returned ${digest.length} bytes, expected 32`);
  out.set(digest, total - SHA_BYTES);
  return out;
}

export function decodeWeights(bytes: Uint8Array, sha256: Sha256): DecodedWeights {
  if (bytes.length < PREFIX_BYTES + SHA_BYTES) {
    throw new WeightCodecError(`weights file truncated: ${bytes.length} bytes is shorter than the fixed header`);
  }
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== WEIGHTS_MAGIC.charCodeAt(i)) throw new WeightCodecError('not a FairFAL weights file (bad magic bytes)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== WEIGHTS_VERSION) {
    throw new WeightCodecError(`unsupported weights format version ${version} (this build reads version ${WEIGHTS_VERSION})`);
  }
  const headerLen = view.getUint32(12, true);
  if (PREFIX_BYTES + headerLen + SHA_BYTES > bytes.length) {
    throw new WeightCodecError(`weights file truncated: header claims ${headerLen} bytes but the file has ${bytes.length}`);
  }
  const header = parseHeader(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLen));
  const pad = (4 - ((PREFIX_BYTES + headerLen) % 4)) % 4;
  const dataStart = PREFIX_BYTES + headerLen + pad;
  const count = layoutSize(header.tensors);
  const expected = dataStart + count * 4 + SHA_BYTES;
  if (bytes.length !== expected) {
    throw new WeightCodecError(
      `weights file ${bytes.length < expected ? 'truncated' : 'has trailing bytes'}: expected ${expected} bytes for ${count} floats, found ${bytes.length}`,
    );
  }
  const digest = sha256(bytes.subarray(0, expected - SHA_BYTES));
  const stored = bytes.subarray(expected - SHA_BYTES);
  for (let i = 0; i < SHA_BYTES; i++) {
    if (digest[i] !== stored[i]) throw new WeightCodecError('weights file checksum mismatch: the file is corrupted');
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + i * 4, true);
  return { header, weights: createWeightSet(header.tensors, data) };
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function parseHeader(raw: Uint8Array): WeightsHeader {
  let obj: unknown;
  try {
    obj = JSON.parse(utf8Decode(raw));
  } catch (e) {
    throw new WeightCodecError(`weights header is not valid JSON: ${(e as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new WeightCodecError(`weights header invalid: ${what}`);
  };
  if (typeof obj !== 'object' || obj === null) return fail('not an object');
  const h = obj as Record<string, unknown>;
  if (typeof h.model !== 'string' || h.model.length === 0) fail('model name missing');
  if (h.dtype !== 'float32') fail(`dtype ${String(h.dtype)} (only float32 is supported)`);
  const shape = h.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every(isPositiveInt)) fail('inputShape must be [h, w, c]');
  if (!isPositiveInt(h.numClasses)) fail('numClasses must be a positive integer');
  if (!Array.isArray(h.tensors) || h.tensors.length === 0) fail('tensors list missing');
  const tensors: TensorSpec[] = (h.tensors as unknown[]).map((t, i) => {
    const s = t as Record<string, unknown>;
    if (typeof s !== 'object' || s === null || typeof s.name !== 'string') return fail(`tensor ${i} has no name`);
    if (!Array.isArray(s.shape) || !s.shape.every(isPositiveInt)) return fail(`tensor '${s.name}' has a bad shape`);
    if (typeof s.trainable !== 'boolean') return fail(`tensor '${s.name}' lacks the trainable flag`);
    return { name: s.name, shape: s.shape as number[], trainable: s.trainable };
  });
  if (new Set(tensors.map((t) => t.name)).size !== tensors.length) fail('duplicate tensor names');
  const meta = h.meta as WeightsHeader['meta'];
  return {
    model: h.model as string,
    inputShape: shape as unknown as [number, number, number],
    numClasses: h.numClasses as number,
    dtype: 'float32',
    tensors,
    ...(meta && typeof meta === 'object' ? { meta } : {}),
  };
}

/** UTF-8 without TextEncoder (core is typechecked with an ES-only lib). */
export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

export function utf8Decode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i] as number;
    let cp: number;
    let n: number;
    if (c < 0x80) [cp, n] = [c, 1];
    else if (c >> 5 === 6) [cp, n] = [c & 31, 2];
    else if (c >> 4 === 14) [cp, n] = [c & 15, 3];
    else if (c >> 3 === 30) [cp, n] = [c & 7, 4];
    else throw new WeightCodecError(`invalid UTF-8 byte 0x${c.toString(16)} in header`);
    if (i + n > b.length) throw new WeightCodecError('truncated UTF-8 sequence in header');
    for (let k = 1; k < n; k++) {
      const cc = b[i + k] as number;
      if (cc >> 6 !== 2) throw new WeightCodecError('invalid UTF-8 continuation byte in header');
      cp = (cp << 6) | (cc & 63);
    }
    s += String.fromCodePoint(cp);
    i += n;
  }
  return s;
}
