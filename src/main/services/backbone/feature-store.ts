// A backbone's features of the vault's images, computed once each (issue 16): float32 vectors
// in one append-only file per backbone (slot i at byte i * 4D), their slots recorded in SQLite
// in the same transaction that follows the write, so a crash leaves only unreferenced bytes past
// the end, trimmed on open (the tensor store's scheme).
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE } from '../../../platform/private-fs';
import type { Db } from '../storage/node-db';

export class FeatureStore {
  private readonly fd: number;
  private readonly bytesPer: number;
  private nextSlot: number;

  constructor(
    private readonly db: Db,
    dir: string,
    readonly sha256: string,
    readonly featureDim: number,
  ) {
    this.bytesPer = featureDim * 4;
    this.fd = openSync(path.join(dir, 'features.f32'), 'a+', PRIVATE_FILE_MODE);
    const row = db.prepare('SELECT MAX(slot) AS m FROM features WHERE backbone = ?').get(sha256) as { m: number | null };
    this.nextSlot = (row.m ?? -1) + 1;
    const want = this.nextSlot * this.bytesPer;
    if (fstatSync(this.fd).size !== want) {
      if (fstatSync(this.fd).size < want) {
        // Rows point past the file's end (the file was cut short): forget them, recompute.
        db.prepare('DELETE FROM features WHERE backbone = ?').run(sha256);
        this.nextSlot = 0;
        ftruncateSync(this.fd, 0);
      } else ftruncateSync(this.fd, want);
    }
  }

  /** The ids (in order) that have no features yet. */
  missing(ids: readonly string[]): string[] {
    const stmt = this.db.prepare('SELECT 1 FROM features WHERE sample_id = ? AND backbone = ?');
    return ids.filter((id) => stmt.get(id, this.sha256) === undefined);
  }

  /** Stores features [ids.length x featureDim]: all bytes first, then the rows in one transaction. */
  put(ids: readonly string[], features: Float32Array): void {
    if (features.length !== ids.length * this.featureDim) throw new Error(`${features.length} feature values for ${ids.length} images of ${this.featureDim}`);
    const slots = ids.map((_, i) => {
      const slot = this.nextSlot++;
      writeSync(this.fd, new Uint8Array(features.buffer, features.byteOffset + i * this.bytesPer, this.bytesPer), 0, this.bytesPer, slot * this.bytesPer);
      return slot;
    });
    const insert = this.db.prepare('INSERT OR REPLACE INTO features (sample_id, backbone, slot) VALUES (?, ?, ?)');
    this.db.transaction(() => ids.forEach((id, i) => insert.run(id, this.sha256, slots[i])))();
  }

  /** Features of these samples, [ids.length x featureDim] in order; every id must have them. */
  read(ids: readonly string[]): Float32Array {
    const out = new Float32Array(ids.length * this.featureDim);
    const bytes = new Uint8Array(out.buffer);
    const stmt = this.db.prepare('SELECT slot FROM features WHERE sample_id = ? AND backbone = ?');
    ids.forEach((id, i) => {
      const row = stmt.get(id, this.sha256) as { slot: number } | undefined;
      if (!row) throw new Error(`image ${id} has no features of backbone ${this.sha256.slice(0, 12)} yet`);
      const n = readSync(this.fd, bytes, i * this.bytesPer, this.bytesPer, row.slot * this.bytesPer);
      if (n !== this.bytesPer) throw new Error(`features file of backbone ${this.sha256.slice(0, 12)} is short at slot ${row.slot}`);
    });
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}
