// Parser for NumPy's .npy format (versions 1-3), the entries of a MedMNIST .npz archive.
// Only the dtypes MedMNIST-format files use are accepted; anything else is a clear error.
import { NpzFormatError } from './npz-errors';

export type NpyArray =
  | { dtype: 'uint8'; shape: number[]; data: Uint8Array }
  | { dtype: 'int64' | 'int32' | 'int16' | 'uint16'; shape: number[]; data: Int32Array }
  | { dtype: 'float32' | 'float64'; shape: number[]; data: Float32Array };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DTYPES: Record<string, { name: NpyArray['dtype']; bytes: number }> = {
  '|u1': { name: 'uint8', bytes: 1 },
  '<u1': { name: 'uint8', bytes: 1 },
  '|b1': { name: 'uint8', bytes: 1 },
  '<i8': { name: 'int64', bytes: 8 },
  '<i4': { name: 'int32', bytes: 4 },
  '<i2': { name: 'int16', bytes: 2 },
  '<u2': { name: 'uint16', bytes: 2 },
  '<f4': { name: 'float32', bytes: 4 },
  '<f8': { name: 'float64', bytes: 8 },
};

export function parseNpy(buf: Uint8Array, entryName: string): NpyArray {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) {
    throw new NpzFormatError(`entry '${entryName}' is not a .npy array (bad magic bytes)`);
  }
  const major = buf[6];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (major < 1 || major > 3 || headerStart + headerLen > buf.length) {
    throw new NpzFormatError(`entry '${entryName}' has an unsupported or truncated .npy header (version ${major})`);
  }
  const header = new TextDecoder('latin1').decode(buf.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) {
    throw new NpzFormatError(`entry '${entryName}' has a malformed .npy header: ${header.trim()}`);
  }
  if (fortran === 'True') throw new NpzFormatError(`entry '${entryName}' is Fortran-ordered; only C order is supported`);
  const dtype = DTYPES[descr];
  if (!dtype) throw new NpzFormatError(`entry '${entryName}' has unsupported dtype '${descr}'`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new NpzFormatError(`entry '${entryName}' has an invalid shape (${shapeText})`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  const need = count * dtype.bytes;
  if (buf.length - dataStart < need) {
    throw new NpzFormatError(
      `entry '${entryName}' is truncated: shape (${shape.join(', ')}) needs ${need} bytes, found ${buf.length - dataStart}`,
    );
  }
  const raw = buf.subarray(dataStart, dataStart + need);
  return decodeValues(dtype.name, shape, raw, count);
}

function decodeValues(dtype: NpyArray['dtype'], shape: number[], raw: Uint8Array, count: number): NpyArray {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case 'uint8':
      return { dtype, shape, data: new Uint8Array(raw) };
    case 'float32':
    case 'float64': {
      const out = new Float32Array(count);
      const step = dtype === 'float32' ? 4 : 8;
      for (let i = 0; i < count; i++) out[i] = step === 4 ? v.getFloat32(i * 4, true) : v.getFloat64(i * 8, true);
      return { dtype, shape, data: out };
    }
    default: {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        if (dtype === 'int64') out[i] = Number(v.getBigInt64(i * 8, true));
        else if (dtype === 'int32') out[i] = v.getInt32(i * 4, true);
        else if (dtype === 'int16') out[i] = v.getInt16(i * 2, true);
        else out[i] = v.getUint16(i * 2, true);
      }
      return { dtype, shape, data: out };
    }
  }
}
