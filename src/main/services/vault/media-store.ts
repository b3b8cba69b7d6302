// Display previews and gallery thumbnails as WebP files named by content hash, fanned out by
// the first two hex digits, written durably (see durable-files.ts).
import { constants as fsConstants, existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DurableFiles, fanOutPath } from '../../../platform/durable-files';

export const MediaKindSchema = z.enum(['preview', 'thumb']);
export type MediaKind = z.infer<typeof MediaKindSchema>;
export const MediaHashSchema = z.string().regex(/^[0-9a-f]{64}$/);

export class MediaStore {
  private readonly files = new DurableFiles();

  constructor(readonly dir: string) {}

  pathOf(kind: MediaKind, hash: string): string {
    // Validated here too: the path is built from a URL segment in the hosts.
    return fanOutPath(path.join(this.dir, kind), MediaHashSchema.parse(hash), '.webp');
  }

  has(kind: MediaKind, hash: string): boolean {
    return existsSync(this.pathOf(kind, hash));
  }

  write(kind: MediaKind, hash: string, bytes: Buffer): Promise<void> {
    return this.files.write(this.pathOf(kind, hash), bytes);
  }

  /** Preview and thumbnail at once; a small image's one WebP serves as both (hard-linked, written once). */
  async writeBoth(hash: string, preview: Buffer, thumbnail: Buffer): Promise<void> {
    await this.write('preview', hash, preview);
    if (thumbnail === preview) await this.files.alias(this.pathOf('preview', hash), this.pathOf('thumb', hash), thumbnail);
    else await this.write('thumb', hash, thumbnail);
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

/**
 * Opens a media file for reading without following a symbolic link in its last component
 * (O_NOFOLLOW): what was checked is what gets served.
 */
export function openMediaNoFollow(file: string): Promise<FileHandle> {
  return open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
}
