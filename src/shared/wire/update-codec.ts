// Binary formats of the federation link.
//
// Model blob (GET /v1/models/:hash): the model's parameters as raw float32 little-endian,
// concatenated in the engine's canonical order; nothing else. Its sha256 (hex) is its hash.
//
// Update (POST /v1/rounds/:roundId/update, Content-Type application/octet-stream), "FFU1":
//   0        4 bytes  ASCII "FFU1"
//   4        u32 LE   H = header length in bytes (a multiple of 4)
//   8        H bytes  UTF-8 JSON UpdateHeader, right-padded with spaces
//   8+H      u32 LE   V = vector count: 1 (weights) or 2 (weights, then SCAFFOLD control delta)
//   12+H     u32 LE   N = parameter count
//   16+H     V*N float32 LE
// The body length must be exactly 16 + H + 4*V*N, so a truncated upload is always detected.
import { z } from 'zod';
import { ModelHashSchema, RoundIdSchema } from './ids';

export const UPDATE_MAGIC = 'FFU1';
/** Header JSON larger than this is rejected before parsing. */
export const MAX_UPDATE_HEADER_BYTES = 4096;

export const UpdateHeaderSchema = z.strictObject({
  roundId: RoundIdSchema,
  /** Hash of the global model the client trained from (must be the round's base model). */
  baseModelHash: ModelHashSchema,
  /** Labeled samples used to train; the FedAvg weight. Stays on the server, never published. */
  sampleCount: z.number().int().positive().max(1e9),
});
export type UpdateHeader = z.infer<typeof UpdateHeaderSchema>;

export interface DecodedUpdate {
  header: UpdateHeader;
  /** The client's trained weights (full weights, not a delta). */
  weights: Float32Array;
  /** SCAFFOLD only: c_i_new - c_i. */
  controlDelta?: Float32Array;
}

export class UpdateFormatError extends Error {
  override readonly name = 'UpdateFormatError';
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Byte length of an encoded update with this header length, vector count and parameter count. */
export function updateByteLength(headerBytes: number, vectors: number, paramCount: number): number {
  return 16 + headerBytes + 4 * vectors * paramCount;
}

function writeFloats(out: Uint8Array, offset: number, values: Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, values.byteLength);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? 0, true);
}

function readFloats(bytes: Uint8Array, offset: number, count: number, copy = true): Float32Array {
  if (!copy && LITTLE_ENDIAN_HOST && (bytes.byteOffset + offset) % 4 === 0) {
    return new Float32Array(bytes.buffer, bytes.byteOffset + offset, count);
  }
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * 4));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function encodeUpdate(update: DecodedUpdate): Uint8Array {
  const { weights, controlDelta } = update;
  if (controlDelta && controlDelta.length !== weights.length) {
    throw new UpdateFormatError(`control delta has ${controlDelta.length} values, weights ${weights.length}`);
  }
  let json = JSON.stringify(UpdateHeaderSchema.parse(update.header));
  const raw = new TextEncoder().encode(json);
  json += ' '.repeat((4 - (raw.length % 4)) % 4);
  const header = new TextEncoder().encode(json);
  const vectors = controlDelta ? 2 : 1;
  const out = new Uint8Array(updateByteLength(header.length, vectors, weights.length));
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(UPDATE_MAGIC), 0);
  view.setUint32(4, header.length, true);
  out.set(header, 8);
  view.setUint32(8 + header.length, vectors, true);
  view.setUint32(12 + header.length, weights.length, true);
  writeFloats(out, 16 + header.length, weights);
  if (controlDelta) writeFloats(out, 16 + header.length + weights.byteLength, controlDelta);
  return out;
}

/**
 * Parses and structurally checks an update body. Semantic checks (round, shape, norm) are the
 * server's. With `{ copy: false }` the vectors may be views sharing memory with `bytes` (no copy;
 * for read-only use).
 */
export function decodeUpdate(bytes: Uint8Array, opts: { copy?: boolean } = {}): DecodedUpdate {
  const copy = opts.copy ?? true;
  if (bytes.length < 16) throw new UpdateFormatError(`update body is ${bytes.length} bytes, shorter than the 16-byte minimum`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== UPDATE_MAGIC) throw new UpdateFormatError(`update body must start with "${UPDATE_MAGIC}"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  if (headerLength > MAX_UPDATE_HEADER_BYTES || headerLength % 4 !== 0) {
    throw new UpdateFormatError(`update header length ${headerLength} must be a multiple of 4 and at most ${MAX_UPDATE_HEADER_BYTES}`);
  }
  if (bytes.length < 16 + headerLength) throw new UpdateFormatError('update body ends inside its header (truncated)');
  let headerJson: unknown;
  try {
    headerJson = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new UpdateFormatError('update header is not valid UTF-8 JSON');
  }
  const parsed = UpdateHeaderSchema.safeParse(headerJson);
  if (!parsed.success) throw new UpdateFormatError(`update header invalid: ${z.prettifyError(parsed.error)}`);
  const vectors = view.getUint32(8 + headerLength, true);
  const paramCount = view.getUint32(12 + headerLength, true);
  if (vectors !== 1 && vectors !== 2) throw new UpdateFormatError(`update vector count must be 1 or 2, got ${vectors}`);
  if (paramCount === 0) throw new UpdateFormatError('update has zero parameters');
  const expected = updateByteLength(headerLength, vectors, paramCount);
  if (bytes.length !== expected) {
    throw new UpdateFormatError(
      `update body is ${bytes.length} bytes but its header announces ${expected} (${vectors} x ${paramCount} float32): truncated or padded`,
    );
  }
  const start = 16 + headerLength;
  const weights = readFloats(bytes, start, paramCount, copy);
  const result: DecodedUpdate = { header: parsed.data, weights };
  if (vectors === 2) result.controlDelta = readFloats(bytes, start + paramCount * 4, paramCount, copy);
  return result;
}

/** Model blob bytes -> parameters. */
export function decodeModelBlob(bytes: Uint8Array): Float32Array {
  if (bytes.length === 0 || bytes.length % 4 !== 0) {
    throw new UpdateFormatError(`model blob is ${bytes.length} bytes, not a positive multiple of 4`);
  }
  return readFloats(bytes, 0, bytes.length / 4);
}

/** Parameters -> model blob bytes (a copy). */
export function encodeModelBlob(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.byteLength);
  writeFloats(out, 0, values);
  return out;
}
