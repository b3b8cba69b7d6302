// Owner-only files: patient images, labels and models are readable by no other local user,
// whatever the umask. Every data folder and file of the app, the server and the CLI is made here.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** mkdir -p with 0700, and 0700 on the folder itself if it already existed. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * A data folder made private, contents included. The walk runs only when the folder itself
 * was still open to others (a data folder from before this rule, or made by hand): files this
 * code creates are owner-only already, so a private folder is not walked on every start.
 */
export function ensurePrivateDataDir(dir: string): { tightened: number } {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if ((statSync(dir).mode & 0o077) === 0) return { tightened: 0 };
  const tightened = tightenTree(dir);
  return { tightened };
}

/** chmod 0700 / 0600 over a tree; symbolic links are neither followed nor changed. */
export function tightenTree(root: string): number {
  let n = 0;
  const walk = (p: string): void => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      if ((st.mode & 0o777) !== PRIVATE_DIR_MODE) {
        chmodSync(p, PRIVATE_DIR_MODE);
        n++;
      }
      for (const name of readdirSync(p)) walk(path.join(p, name));
    } else if ((st.mode & 0o077) !== 0) {
      chmodSync(p, PRIVATE_FILE_MODE);
      n++;
    }
  };
  walk(root);
  return n;
}

/** Writes `bytes` so a reader never sees half a file: owner-only temp file, fsync, rename. */
export function writeFileAtomicSync(file: string, bytes: Uint8Array | string): void {
  ensurePrivateDir(path.dirname(file));
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writePrivateFileSync(tmp, bytes, { fsync: true });
  renameSync(tmp, file);
}

/** Creates (or truncates) an owner-only file with `bytes`; flushed to disk with `fsync`. Not atomic alone. */
export function writePrivateFileSync(file: string, bytes: Uint8Array | string, o: { fsync?: boolean } = {}): void {
  const fd = openSync(file, 'w', PRIVATE_FILE_MODE);
  try {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (o.fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
