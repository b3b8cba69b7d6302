// The source bytes of images whose preview and thumbnail are not built yet (media-builder.ts):
// a private copy, so the preview can still be made when the original has been moved or the USB
// stick it came from is gone. Named by content hash, which is also the sample id, so every read
// is verified for free. Deleted as soon as the sample's display media are on disk.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, unlinkSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { DurableFiles, fanOutPath } from '../../../platform/durable-files';
import { MediaHashSchema } from './media-store';

export class StagedSources {
  private readonly files = new DurableFiles();

  constructor(readonly dir: string) {}

  pathOf(hash: string): string {
    return fanOutPath(this.dir, MediaHashSchema.parse(hash));
  }

  write(hash: string, bytes: Uint8Array): Promise<void> {
    return this.files.write(this.pathOf(hash), bytes);
  }

  /** The staged bytes, or null when they are missing or no longer hash to `hash`. */
  async read(hash: string): Promise<Buffer | null> {
    return readVerified(this.pathOf(hash), hash);
  }

  async remove(hash: string): Promise<void> {
    await rm(this.pathOf(hash), { force: true });
  }

  /**
   * Deletes staged files nothing waits for (an import that died between staging and commit, a
   * build that died between its commit and the delete) and half-written temp files. Runs before
   * any import can start, so it never races a staging write.
   */
  sweep(wanted: (hash: string) => boolean): number {
    if (!existsSync(this.dir)) return 0;
    let removed = 0;
    for (const sub of readdirSync(this.dir, { withFileTypes: true })) {
      if (!sub.isDirectory()) continue;
      for (const f of readdirSync(`${this.dir}/${sub.name}`, { withFileTypes: true })) {
        // Only our own files: anything else found here is left alone rather than failing the vault's open.
        if (!f.isFile() || (MediaHashSchema.safeParse(f.name).success && wanted(f.name))) continue;
        unlinkSync(`${this.dir}/${sub.name}/${f.name}`);
        removed++;
      }
    }
    return removed;
  }
}

/** A file's bytes if they still hash to `hash` (sha256 hex), else null (missing, changed, unreadable). */
export async function readVerified(file: string, hash: string): Promise<Buffer | null> {
  const bytes = await readFile(file).catch(() => null);
  if (!bytes) return null;
  return createHash('sha256').update(bytes).digest('hex') === hash ? bytes : null;
}
