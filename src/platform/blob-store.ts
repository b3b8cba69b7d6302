// Content-addressed blobs (model versions, control variates, stored updates) on disk:
// <dataDir>/blobs/<sha256 hex>. Written to an owner-only temp file, fsynced, renamed, and the
// directory fsynced, so a blob the database names is always complete on disk.
import { randomBytes } from 'node:crypto';
import { open as openAsync, rename as renameAsync, rm as rmAsync } from 'node:fs/promises';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from './hash';
import { ensurePrivateDir, PRIVATE_FILE_MODE, writePrivateFileSync } from './private-fs';

const HASH_NAME = /^[0-9a-f]{64}$/;

export class BlobStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'blobs');
    ensurePrivateDir(this.dir);
  }

  pathOf(hash: string): string {
    if (!HASH_NAME.test(hash)) throw new Error(`not a blob hash: ${hash}`);
    return path.join(this.dir, hash);
  }

  has(hash: string): boolean {
    return existsSync(this.pathOf(hash));
  }

  /** Stores bytes durably and returns their sha256; a no-op when the blob already exists. */
  put(bytes: Uint8Array, knownHash?: string): string {
    const hash = knownHash ?? sha256Hex(bytes);
    const final = this.pathOf(hash);
    if (existsSync(final)) return hash;
    const tmp = path.join(this.dir, `.tmp-${hash.slice(0, 16)}-${randomBytes(6).toString('hex')}`);
    writePrivateFileSync(tmp, bytes, { fsync: true });
    renameSync(tmp, final);
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
    return hash;
  }

  /**
   * put() off the event loop: the write and the fsyncs run in libuv's thread pool, so a slow
   * disk does not stall other requests while an upload is stored.
   */
  async putAsync(bytes: Uint8Array, knownHash?: string): Promise<string> {
    const hash = knownHash ?? sha256Hex(bytes);
    const final = this.pathOf(hash);
    if (existsSync(final)) return hash;
    const tmp = path.join(this.dir, `.tmp-${hash.slice(0, 16)}-${randomBytes(6).toString('hex')}`);
    const file = await openAsync(tmp, 'w', PRIVATE_FILE_MODE);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await renameAsync(tmp, final);
    const dir = await openAsync(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return hash;
  }

  get(hash: string): Buffer {
    return readFileSync(this.pathOf(hash));
  }

  delete(hash: string): void {
    rmSync(this.pathOf(hash), { force: true });
  }

  async deleteAsync(hash: string): Promise<void> {
    await rmAsync(this.pathOf(hash), { force: true });
  }

  /** Removes temp files and every blob not in `keep`. Returns how many files were removed. */
  collectGarbage(keep: ReadonlySet<string>): number {
    let removed = 0;
    for (const name of readdirSync(this.dir)) {
      if (name.startsWith('.tmp-') || (HASH_NAME.test(name) && !keep.has(name))) {
        rmSync(path.join(this.dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }
}
