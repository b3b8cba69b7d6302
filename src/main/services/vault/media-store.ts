// Display previews and gallery thumbnails as files named by content hash, fanned out by the
// first two hex digits so no folder grows past a few thousand entries. Written to a temp name,
// flushed to disk and renamed, so a reader never sees half a file and the index row that is
// committed afterwards never points at bytes a power cut could still lose (~0.1 ms/file here).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const MediaKindSchema = z.enum(['preview', 'thumb']);
export type MediaKind = z.infer<typeof MediaKindSchema>;
export const MediaHashSchema = z.string().regex(/^[0-9a-f]{64}$/);

export class MediaStore {
  /** Fan-out folders known to exist: one mkdir per folder per process, not one per file. */
  private readonly madeDirs = new Set<string>();

  constructor(readonly dir: string) {}

  pathOf(kind: MediaKind, hash: string): string {
    // Validated here too: the path is built from a URL segment in the hosts.
    const h = MediaHashSchema.parse(hash);
    return path.join(this.dir, kind, h.slice(0, 2), `${h}.webp`);
  }

  async write(kind: MediaKind, hash: string, bytes: Buffer): Promise<void> {
    const file = this.pathOf(kind, hash);
    const dir = path.dirname(file);
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, bytes, { flush: true });
    } catch (err) {
      // The folder went away behind our back (media folder deleted while running): make it again once.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dir, { recursive: true });
      await writeFile(tmp, bytes, { flush: true });
    }
    await rename(tmp, file);
  }
}

/** How a host turns (kind, hash) into a URL the renderer can load. */
export type MediaUrlFn = (kind: MediaKind, hash: string) => string;

/** The web host serves /media/<kind>/<hash>.webp behind the launch-token cookie. */
export const webMediaUrl: MediaUrlFn = (kind, hash) => `/media/${kind}/${hash}.webp`;
/** The Electron shell registers this privileged scheme. */
export const MEDIA_SCHEME = 'fairfal-media';
export const electronMediaUrl: MediaUrlFn = (kind, hash) => `${MEDIA_SCHEME}://media/${kind}/${hash}.webp`;

/** Parses "/<kind>/<hash>.webp" (the tail of either URL form); null when it is anything else. */
export function parseMediaPath(p: string): { kind: MediaKind; hash: string } | null {
  const m = /^\/(preview|thumb)\/([0-9a-f]{64})\.webp$/.exec(p);
  if (!m) return null;
  return { kind: m[1] as MediaKind, hash: m[2] as string };
}
