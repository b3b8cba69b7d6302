// Minimal ZIP reader for .npz archives: central directory (incl. ZIP64), stored and deflate
// entries, CRC-checked. numpy writes plain zips, so no encryption or multi-disk support.
import { crc32, inflateRawSync } from 'node:zlib';
import { NpzFormatError } from './npz-errors';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

export function listZipEntries(buf: Buffer, label: string): ZipEntry[] {
  const eocd = findEocd(buf, label);
  let count = buf.readUInt16LE(eocd + 10);
  let cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  const locator = eocd - 20;
  if (locator >= 0 && buf.readUInt32LE(locator) === ZIP64_LOCATOR_SIG) {
    const z64 = Number(buf.readBigUInt64LE(locator + 8));
    if (z64 + 56 > buf.length || buf.readUInt32LE(z64) !== ZIP64_EOCD_SIG) {
      throw new NpzFormatError(`${label}: corrupt ZIP64 end-of-directory record`);
    }
    count = Number(buf.readBigUInt64LE(z64 + 32));
    cdSize = Number(buf.readBigUInt64LE(z64 + 40));
    cdOffset = Number(buf.readBigUInt64LE(z64 + 48));
  }
  if (cdOffset + cdSize > buf.length) throw new NpzFormatError(`${label}: truncated (central directory runs past the end of the file)`);
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL_SIG) {
      throw new NpzFormatError(`${label}: corrupt central directory at entry ${i}`);
    }
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const entry: ZipEntry = {
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
      method: buf.readUInt16LE(p + 10),
      crc: buf.readUInt32LE(p + 16),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      localHeaderOffset: buf.readUInt32LE(p + 42),
    };
    applyZip64Extra(entry, buf.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
    entries.push(entry);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

export function readZipEntry(buf: Buffer, entry: ZipEntry, label: string): Buffer {
  const p = entry.localHeaderOffset;
  if (p + 30 > buf.length || buf.readUInt32LE(p) !== LOCAL_SIG) {
    throw new NpzFormatError(`${label}: entry '${entry.name}' has a corrupt local header`);
  }
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  if (start + entry.compressedSize > buf.length) {
    throw new NpzFormatError(`${label}: truncated inside entry '${entry.name}'`);
  }
  const packed = buf.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) data = packed;
  else if (entry.method === 8) {
    try {
      data = inflateRawSync(packed);
    } catch (err) {
      throw new NpzFormatError(`${label}: entry '${entry.name}' does not inflate (${(err as Error).message})`);
    }
  } else {
    throw new NpzFormatError(`${label}: entry '${entry.name}' uses unsupported compression method ${entry.method}`);
  }
  if (data.length !== entry.size || (crc32(data) >>> 0) !== entry.crc >>> 0) {
    throw new NpzFormatError(`${label}: entry '${entry.name}' is corrupt (size or CRC mismatch)`);
  }
  return data;
}

function findEocd(buf: Buffer, label: string): number {
  const min = Math.max(0, buf.length - 22 - 0xffff);
  for (let p = buf.length - 22; p >= min; p--) {
    if (buf.readUInt32LE(p) === EOCD_SIG) return p;
  }
  throw new NpzFormatError(
    buf.length >= 4 && buf.readUInt32LE(0) === LOCAL_SIG
      ? `${label}: truncated zip archive (no end-of-central-directory record)`
      : `${label}: not a .npz (zip) archive`,
  );
}

function applyZip64Extra(entry: ZipEntry, extra: Buffer): void {
  let q = 0;
  while (q + 4 <= extra.length) {
    const id = extra.readUInt16LE(q);
    const len = extra.readUInt16LE(q + 2);
    if (id === 0x0001) {
      let r = q + 4;
      if (entry.size === 0xffffffff) { entry.size = Number(extra.readBigUInt64LE(r)); r += 8; }
      if (entry.compressedSize === 0xffffffff) { entry.compressedSize = Number(extra.readBigUInt64LE(r)); r += 8; }
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = Number(extra.readBigUInt64LE(r));
    }
    q += 4 + len;
  }
}
