// Content-addressed files written so that a reader never sees half a file and a database row
// committed afterwards never points at bytes a power cut could still lose: temp name, flushed
// to disk, renamed (~0.1 ms/file here), owner-only. Fan-out folders are made once per process.
import { randomBytes } from 'node:crypto';
import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-fs';

export class DurableFiles {
  private readonly madeDirs = new Set<string>();

  async write(file: string, bytes: Uint8Array): Promise<void> {
    const dir = path.dirname(file);
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
      this.madeDirs.add(dir);
    }
    // Unique per write: two writers of the same content (one image imported twice at once) never share a temp file.
    const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, bytes, { flush: true, mode: PRIVATE_FILE_MODE });
    } catch (err) {
      // The folder went away behind our back (deleted while running): make it again once.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
      await writeFile(tmp, bytes, { flush: true, mode: PRIVATE_FILE_MODE });
    }
    await rename(tmp, file);
  }

  /**
   * `file` gets the same bytes as the durable `existing`: a hard link (a directory entry, no
   * data written or flushed), or a copy where the file system has no hard links.
   */
  async alias(existing: string, file: string, bytes: Uint8Array): Promise<void> {
    const dir = path.dirname(file);
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
      this.madeDirs.add(dir);
    }
    await rm(file, { force: true });
    try {
      await link(existing, file);
    } catch {
      await this.write(file, bytes);
    }
  }
}

/** <dir>/<first two hex digits>/<hash><ext>: no folder grows past a few thousand entries. */
export function fanOutPath(dir: string, hash: string, ext = ''): string {
  return path.join(dir, hash.slice(0, 2), `${hash}${ext}`);
}
