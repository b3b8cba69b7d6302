import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { NpzFormatError, parseNpz, readMedMnist } from './npz';

const DATASETS = join(__dirname, '../../../../shared/datasets');
const EXPECTED: Record<string, { train: number; test: number; classes: number; hw: number; c: number }> = {
  'retinamnist.npz': { train: 1080, test: 400, classes: 5, hw: 28, c: 3 },
  'dermamnist-ham10000-28.npz': { train: 7016, test: 2007, classes: 7, hw: 28, c: 3 },
  'odir-fundus-28.npz': { train: 3639, test: 1049, classes: 7, hw: 28, c: 3 },
  'fashion-mnist.npz': { train: 60000, test: 10000, classes: 10, hw: 28, c: 1 },
};

/** Builds a .npy buffer and a zip with STORED entries (numpy's np.savez without compression). */
function npy(shape: number[], data: Uint8Array): Buffer {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data)]);
}

function storedZip(files: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const nameBuf = Buffer.from(name);
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Object.keys(files).length, 8);
  eocd.writeUInt16LE(Object.keys(files).length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

describe('readMedMnist on every archive in shared/datasets', () => {
  const archives = readdirSync(DATASETS).filter((f) => f.endsWith('.npz'));
  it('finds the archives', () => {
    expect(archives.sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const file of archives) {
    it(`reads ${file}`, () => {
      const ds = readMedMnist(join(DATASETS, file));
      const want = EXPECTED[file]!;
      const train = ds.splits.train!;
      expect(train.count).toBe(want.train);
      expect(ds.splits.test!.count).toBe(want.test);
      expect(ds.numClasses).toBe(want.classes);
      expect([train.height, train.width, train.channels]).toEqual([want.hw, want.hw, want.c]);
      expect(train.images.length).toBe(want.train * want.hw * want.hw * want.c);
      // Pixels are real data: not all one value.
      let min = 255, max = 0;
      for (let i = 0; i < 5000; i++) { min = Math.min(min, train.images[i]!); max = Math.max(max, train.images[i]!); }
      expect(max - min).toBeGreaterThan(50);
    });
  }
  it('matches the documented RetinaMNIST train class counts', () => {
    const counts = new Array(5).fill(0);
    for (const y of readMedMnist(join(DATASETS, 'retinamnist.npz')).splits.train!.labels) counts[y]++;
    expect(counts).toEqual([486, 128, 206, 194, 66]);
  });
});

describe('stored (uncompressed) entries and grey images', () => {
  it('reads a stored archive', () => {
    const images = new Uint8Array(2 * 4 * 4).map((_, i) => i);
    const zip = storedZip({
      'train_images.npy': npy([2, 4, 4], images),
      'train_labels.npy': npy([2, 1], new Uint8Array([0, 1])),
    });
    const arrays = parseNpz(zip, 'tiny.npz');
    expect(arrays.train_images!.shape).toEqual([2, 4, 4]);
    expect(Array.from(arrays.train_images!.data)).toEqual(Array.from(images));
  });
});

describe('clear errors for bad archives', () => {
  const good = readFileSync(join(DATASETS, 'retinamnist.npz'));
  it('rejects a file that is not a zip', () => {
    expect(() => parseNpz(Buffer.from('hello, this is not an archive at all'), 'x.npz')).toThrow(/not a .npz/);
  });
  it('rejects a truncated archive', () => {
    expect(() => parseNpz(good.subarray(0, good.length - 5000), 'cut.npz')).toThrow(NpzFormatError);
    expect(() => parseNpz(good.subarray(0, good.length - 5000), 'cut.npz')).toThrow(/truncated/);
  });
  it('rejects a corrupted entry (CRC)', () => {
    const zip = storedZip({ 'train_images.npy': npy([1, 2, 2], new Uint8Array(4)) });
    zip[60] ^= 0xff; // flip a byte inside the stored data
    expect(() => parseNpz(zip, 'bad.npz')).toThrow(/corrupt|magic|header/);
  });
  it('rejects an empty file and names it', () => {
    expect(() => parseNpz(Buffer.alloc(0), 'empty.npz')).toThrow(/empty.npz/);
  });
  it('rejects labels that do not match the images', () => {
    const zip = storedZip({
      'train_images.npy': npy([2, 2, 2], new Uint8Array(8)),
      'train_labels.npy': npy([3, 1], new Uint8Array(3)),
    });
    const path = join(__dirname, '__tmp_mismatch.npz');
    writeFileSync(path, zip);
    try {
      expect(() => readMedMnist(path)).toThrow(/labels have shape/);
    } finally {
      unlinkSync(path);
    }
  });
});
