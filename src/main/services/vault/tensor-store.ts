// Model-size tensors (uint8, H x W x C, row-major HWC) for one input shape, in one append-only
// file: slot i lives at byte i * H*W*C. The slot numbers are recorded in SQLite (`tensors`)
// in the same transaction as the sample row, so a crash between the write and the commit
// leaves only unreferenced bytes past the end, which open() trims away.
import { PRIVATE_FILE_MODE } from '../../../platform/private-fs';
import type Database from 'better-sqlite3';
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../storage/node-db';

export type Shape = readonly [number, number, number];

export const shapeKey = (s: Shape): string => `${s[0]}x${s[1]}x${s[2]}`;

export class TensorStore {
  readonly bytesPer: number;
  readonly key: string;
  private readonly fd: number;
  private nextSlot: number;
  private readonly insertSlot: Database.Statement<unknown[]>;

  constructor(
    private readonly db: Db,
    dir: string,
    readonly shape: Shape,
  ) {
    this.key = shapeKey(shape);
    this.bytesPer = shape[0] * shape[1] * shape[2];
    this.fd = openSync(path.join(dir, `tensors-${this.key}.u8`), 'a+', PRIVATE_FILE_MODE);
    // The committed high-water mark is the truth; bytes after it are from an interrupted write.
    const row = db.prepare('SELECT MAX(slot) AS m FROM tensors WHERE shape = ?').get(this.key) as { m: number | null };
    this.nextSlot = (row.m ?? -1) + 1;
    this.insertSlot = db.prepare('INSERT INTO tensors (sample_id, shape, slot) VALUES (?, ?, ?)');
    const want = this.nextSlot * this.bytesPer;
    if (fstatSync(this.fd).size !== want) ftruncateSync(this.fd, want);
  }

  /** Writes a tensor into a fresh slot and returns it; record it with `commit` inside the sample's transaction. */
  write(pixels: Uint8Array): number {
    if (pixels.length !== this.bytesPer) throw new Error(`tensor has ${pixels.length} bytes, shape ${this.key} needs ${this.bytesPer}`);
    const slot = this.nextSlot++;
    // 'a+' appends; slots are allocated synchronously, so the append order is the slot order.
    writeSync(this.fd, pixels, 0, pixels.length, slot * this.bytesPer);
    return slot;
  }

  commit(sampleId: string, slot: number): void {
    this.insertSlot.run(sampleId, this.key, slot);
  }

  has(sampleId: string): boolean {
    return this.db.prepare('SELECT 1 FROM tensors WHERE sample_id = ? AND shape = ?').get(sampleId, this.key) !== undefined;
  }

  /** Reads the tensors of these samples into one N x H x W x C buffer (order of `sampleIds`). */
  read(sampleIds: readonly string[]): Uint8Array {
    const out = new Uint8Array(sampleIds.length * this.bytesPer);
    const stmt = this.db.prepare('SELECT slot FROM tensors WHERE sample_id = ? AND shape = ?');
    sampleIds.forEach((id, i) => {
      const row = stmt.get(id, this.key) as { slot: number } | undefined;
      if (!row) throw new Error(`sample ${id} has no ${this.key} tensor`);
      const n = readSync(this.fd, out, i * this.bytesPer, this.bytesPer, row.slot * this.bytesPer);
      if (n !== this.bytesPer) throw new Error(`tensor file for ${this.key} is short at slot ${row.slot}`);
    });
    return out;
  }

  flush(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
