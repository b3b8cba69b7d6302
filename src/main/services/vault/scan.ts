// Finds what an import will look at: folders walked recursively (symlinks not followed, so a
// link loop cannot hang the import), hidden files and OS clutter skipped silently, every other
// file classified by extension, or by its first bytes when the extension says nothing.
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { looksLikeImage } from './decode';

export type ScannedKind = 'image' | 'npz' | 'other';

export interface ScannedFile {
  path: string;
  kind: ScannedKind;
}

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.jpe', '.png', '.webp', '.tif', '.tiff']);
const IGNORED_NAMES = new Set(['thumbs.db', 'desktop.ini']);

export interface ScanProblem {
  path: string;
  detail: string;
}

/** Walks `roots` (folders or files) and returns every candidate file, sorted for a stable order. */
export async function scanRoots(roots: readonly string[], onProblem: (p: ScanProblem) => void, isCancelled: () => boolean): Promise<ScannedFile[]> {
  const out: ScannedFile[] = [];
  const seen = new Set<string>();
  const visit = async (p: string): Promise<void> => {
    if (isCancelled()) return;
    let st;
    try {
      st = await stat(p);
    } catch (err) {
      onProblem({ path: p, detail: (err as Error).message });
      return;
    }
    if (st.isDirectory()) {
      let entries;
      try {
        entries = await readdir(p, { withFileTypes: true });
      } catch (err) {
        onProblem({ path: p, detail: (err as Error).message });
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (e.name.startsWith('.') || IGNORED_NAMES.has(e.name.toLowerCase())) continue;
        if (e.isSymbolicLink()) continue;
        if (e.isDirectory() || e.isFile()) await visit(path.join(p, e.name));
      }
      return;
    }
    if (!st.isFile() || seen.has(p)) return;
    seen.add(p);
    out.push({ path: p, kind: await classify(p) });
  };
  for (const r of roots) await visit(path.resolve(r));
  return out;
}

async function classify(file: string): Promise<ScannedKind> {
  const ext = path.extname(file).toLowerCase();
  if (IMAGE_EXT.has(ext)) return 'image';
  if (ext === '.npz') return 'npz';
  if (ext === '') return (await sniffImage(file)) ? 'image' : 'other';
  return 'other';
}

/** Reads the first bytes of a file without an extension and checks for an image signature. */
async function sniffImage(file: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(file, 'r');
    const b = Buffer.alloc(12);
    const { bytesRead } = await fh.read(b, 0, 12, 0);
    return bytesRead === 12 && looksLikeImage(b);
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}
