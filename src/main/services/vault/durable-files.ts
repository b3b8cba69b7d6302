// Content-addressed files written so that a reader never sees half a file and a database row
// committed afterwards never points at bytes a power cut could still lose: temp name, flushed
// to disk, renamed (~0.1 ms/file here). Fan-out folders are made once per process, not per file.
import { randomBytes } from 'node:crypto';
import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class DurableFiles {
  private readonly madeDirs = new Set<string>();

  async write(file: string, bytes: Uint8Array): Promise<void> {
    const dir = path.dirname(file);
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    // Unique per write: two writers of the same content (one image imported twice at once) never share a temp file.
    const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, bytes, { flush: true });
    } catch (err) {
      // The folder went away behind our back (deleted while running): make it again once.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dir, { recursive: true });
      await writeFile(tmp, bytes, { flush: true });
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
      await mkdir(dir, { recursive: true });
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
