import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { openNodeDb, type Db } from '../storage/node-db';
import { MediaBuilder } from './media-builder';
import { MediaStore, webMediaUrl } from './media-store';
import { PendingMedia } from './pending-media';
import { StagedSources } from './staged-sources';
import { Vault } from './vault';

const FUNDUS = path.resolve('../shared/datasets/images/odir-fundus');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function tmp(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
function openVault(dataDir: string, extra: Partial<ConstructorParameters<typeof Vault>[0]> = {}): { vault: Vault; db: Db } {
  const db = openNodeDb(dataDir);
  const vault = new Vault({ db, dataDir, mediaUrl: webMediaUrl, concurrency: 2, ...extra });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await vault.close();
    db.close();
  };
  cleanups.push(close);
  return { vault, db };
}
async function closeVault(v: { vault: Vault; db: Db }): Promise<void> {
  await v.vault.close();
  v.db.close();
}

/** `count` byte-distinct copies of the fundus JPEGs (a trailing byte pair keeps them decodable). */
function copies(count: number): string {
  const dir = tmp('fairfal-media-src-');
  const files = readdirSync(FUNDUS).filter((f) => f.endsWith('.jpg')).map((f) => readFileSync(path.join(FUNDUS, f)));
  for (let i = 0; i < count; i++) writeFileSync(path.join(dir, `f-${String(i).padStart(4, '0')}.jpg`), Buffer.concat([files[i % files.length]!, Buffer.from([i >> 8, i & 255])]));
  return dir;
}

const hasMedia = (vault: Vault, id: string) => existsSync(vault.media.pathOf('preview', id)) && existsSync(vault.media.pathOf('thumb', id));

describe('media builder (previews after the import)', () => {
  it('waits for the import, yet builds an image the UI asks for at once', async () => {
    const src = copies(300);
    const { vault } = openVault(tmp('fairfal-vault-'));
    const job = vault.startImport([src]);
    // Wait until some rows are committed while the import still runs.
    while (vault.index.count() < 20) await new Promise((r) => setTimeout(r, 10));
    expect(vault.runningImport()).not.toBeNull();
    const id = vault.index.allIds()[0]!;
    expect(hasMedia(vault, id)).toBe(false);
    const { file, status } = await vault.mediaFile('preview', id);
    const during = vault.mediaBuilder.progress();
    expect(status).toEqual({ state: 'ready', error: null });
    expect((await sharp(file!).metadata()).format).toBe('webp');
    expect(hasMedia(vault, id)).toBe(true);
    if (vault.runningImport()) {
      // Nothing else was built: the backlog waits for the import to finish.
      expect(during.state).toBe('waiting-for-import');
      expect(during.built).toBe(1);
    }
    const end = await job.done;
    expect(end.imported).toBe(300);
    await vault.mediaBuilder.idle();
    expect(vault.mediaBuilder.progress()).toMatchObject({ pending: 0, failed: 0, built: 300, state: 'idle' });
    for (const s of vault.index.allIds()) expect(hasMedia(vault, s)).toBe(true);
  });

  it('resumes after a restart, falls back to the original, reports an image whose source is gone and sweeps orphans', async () => {
    const src = copies(60);
    const dataDir = tmp('fairfal-vault-');
    const first = openVault(dataDir);
    await first.vault.startImport([src]).done;
    // Stopped right after the import: most previews are still to build.
    await closeVault(first);
    // Between runs, as a crash or a user could leave things (the vault is closed).
    const db = openNodeDb(dataDir);
    const pendingIds = new PendingMedia(db).next(100, new Set());
    const sourceOf = (id: string) => (db.prepare('SELECT source_path FROM samples WHERE id = ?').get(id) as { source_path: string }).source_path;
    expect(pendingIds.length).toBeGreaterThanOrEqual(3);
    const [missing, damaged, gone] = pendingIds as [string, string, string];
    const goneName = path.basename(sourceOf(gone));
    const goneBytes = readFileSync(sourceOf(gone));
    const staged = new StagedSources(path.join(dataDir, 'vault', 'staged'));
    // Staged copy deleted: built from the original, which is unchanged.
    unlinkSync(staged.pathOf(missing));
    // Staged copy damaged: its hash no longer matches, so the original is used.
    writeFileSync(staged.pathOf(damaged), Buffer.from('not the image any more'));
    // Staged copy and original both gone.
    unlinkSync(staged.pathOf(gone));
    unlinkSync(sourceOf(gone));
    db.close();
    // Orphans a crash could leave: a staged file no row waits for, a half-written temp file.
    const orphan = staged.pathOf('ab'.padEnd(64, '0'));
    mkdirSync(path.dirname(orphan), { recursive: true });
    writeFileSync(orphan, 'orphan');
    writeFileSync(`${staged.pathOf(missing)}.123.tmp`, 'half');

    const third = openVault(dataDir);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(`${staged.pathOf(missing)}.123.tmp`)).toBe(false);
    await third.vault.mediaBuilder.idle();
    const p = third.vault.mediaBuilder.progress();
    expect(p).toMatchObject({ pending: 0, failed: 1 });
    expect(p.failures).toEqual([{ sampleId: gone, name: goneName, error: expect.stringMatching(/source is gone/) as unknown as string }]);
    expect(hasMedia(third.vault, missing)).toBe(true);
    expect(hasMedia(third.vault, damaged)).toBe(true);
    expect(hasMedia(third.vault, gone)).toBe(false);
    expect(await third.vault.mediaFile('thumb', gone)).toMatchObject({ file: null, status: { state: 'failed' } });
    // Every image but the lost one is complete, and nothing staged is left behind.
    for (const id of third.vault.index.allIds()) if (id !== gone) expect(hasMedia(third.vault, id)).toBe(true);
    expect(readdirSync(third.vault.staged.dir).flatMap((d) => readdirSync(path.join(third.vault.staged.dir, d)))).toEqual([]);

    // A new model input shape needs every image's pixels: refused, naming the lost one, and the vault stays as it was.
    await expect(third.vault.setTensorShape([32, 32, 3])).rejects.toThrow(new RegExp(`1 image\\(s\\) have neither a preview nor their source.*${goneName}`));
    expect(third.vault.tensors.key).toBe('28x28x3');

    // Importing the lost file again (same bytes, reported as a duplicate) repairs its preview.
    const back = tmp('fairfal-media-back-');
    writeFileSync(path.join(back, goneName), goneBytes);
    const again = await third.vault.startImport([back]).done;
    expect(again).toMatchObject({ imported: 0, duplicates: 1 });
    await third.vault.mediaBuilder.idle();
    expect(third.vault.mediaBuilder.progress()).toMatchObject({ pending: 0, failed: 0 });
    expect(hasMedia(third.vault, gone)).toBe(true);
    await third.vault.setTensorShape([32, 32, 3]);
    expect(third.vault.tensors.read(third.vault.index.allIds()).length).toBe(60 * 32 * 32 * 3);
  });

  it('keeps an image pending through a failure that may pass (disk full), says so, and retries', async () => {
    const dir = tmp('fairfal-builder-');
    const db = openNodeDb(dir);
    cleanups.push(() => void db.close());
    const pending = new PendingMedia(db);
    const ids = ['a', 'b', 'c'].map((c) => c.repeat(64));
    for (const id of ids) pending.add(id);
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 40, b: 40 } } }).jpeg().toBuffer();
    const real = new MediaStore(path.join(dir, 'media'));
    let failuresLeft = 2;
    // A disk that is full for the first two writes.
    const media = Object.assign(Object.create(real) as MediaStore, {
      async write(kind: 'preview' | 'thumb', hash: string, bytes: Buffer) {
        if (failuresLeft > 0) {
          failuresLeft--;
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        return real.write(kind, hash, bytes);
      },
    });
    const seen: string[] = [];
    const builder = new MediaBuilder({
      pending, media, concurrency: 1, retryDelayMs: 30,
      readSource: async () => jpeg,
      mediaExists: () => false,
      dropSource: async () => undefined,
      onProgress: (p) => p.retryError && seen.push(p.retryError),
    });
    cleanups.push(() => builder.close());
    builder.start();
    await builder.idle();
    expect(seen.some((e) => e.includes('ENOSPC'))).toBe(true);
    expect(builder.progress()).toMatchObject({ pending: 0, failed: 0, built: 3, retryError: null });
    for (const id of ids) expect(existsSync(real.pathOf('preview', id))).toBe(true);
    // The failed attempts were counted on the row, which is gone now that the build succeeded.
    expect(pending.stateOf(ids[0]!)).toBeNull();

    // A disk that never recovers: after 5 tries the image is failed with the last error, and idle() still returns.
    const stuck = 'd'.repeat(64);
    pending.add(stuck);
    const never = Object.assign(Object.create(real) as MediaStore, {
      write: () => Promise.reject(new Error('EIO: i/o error, write')),
    });
    const giveUp = new MediaBuilder({ pending, media: never, concurrency: 1, retryDelayMs: 5, readSource: async () => jpeg, mediaExists: () => false, dropSource: async () => undefined });
    cleanups.push(() => giveUp.close());
    giveUp.start();
    await giveUp.idle();
    expect(pending.stateOf(stuck)).toEqual({ state: 'failed', error: 'EIO: i/o error, write' });
  });
});
