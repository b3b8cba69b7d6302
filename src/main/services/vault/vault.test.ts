import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { openNodeDb, type Db } from '../storage/node-db';
import { webMediaUrl } from './media-store';
import { Vault } from './vault';

const IMAGES = path.resolve('../shared/datasets/images');
const RETINA = path.resolve('../shared/datasets/retinamnist.npz');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name.startsWith('.') ? [] : e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

const tmpDirs: string[] = [];
const dbs: Db[] = [];
const vaults: Vault[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
function open(dataDir: string): Vault {
  const db = openNodeDb(dataDir);
  dbs.push(db);
  const vault = new Vault({ db, dataDir, mediaUrl: webMediaUrl, concurrency: 3 });
  vaults.push(vault);
  return vault;
}
afterEach(async () => {
  for (const v of vaults.splice(0)) await v.close();
  for (const db of dbs.splice(0)) db.close();
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function plantFolder(): Promise<string> {
  const dir = tmp('fairfal-planted-');
  const jpg = path.join(IMAGES, 'ham10000-dermoscopy', 'ISIC_0024306.jpg');
  const bytes = readFileSync(jpg);
  writeFileSync(path.join(dir, 'zero.jpg'), Buffer.alloc(0));
  writeFileSync(path.join(dir, 'truncated.jpg'), bytes.subarray(0, Math.floor(bytes.length / 2)));
  writeFileSync(path.join(dir, 'corrupt.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(500, 7)]));
  writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
  writeFileSync(path.join(dir, 'fake.jpg'), 'plain text wearing a jpg extension');
  writeFileSync(path.join(dir, 'broken.npz'), 'PK not really a zip');
  copyFileSync(jpg, path.join(dir, 'copy-of-306.jpg')); // duplicate of a file in IMAGES
  // Same pixels in every other format, plus one with EXIF orientation 6 (rotate 90 deg).
  const src = sharp(path.join(IMAGES, 'odir-fundus', readdirSync(path.join(IMAGES, 'odir-fundus')).find((f) => f.endsWith('.jpg'))!)).resize(64, 32);
  await src.clone().png().toFile(path.join(dir, 'wide.png'));
  await src.clone().webp().toFile(path.join(dir, 'wide.webp'));
  await src.clone().tiff().toFile(path.join(dir, 'wide.tiff'));
  await src.clone().jpeg().withMetadata({ orientation: 6 }).toFile(path.join(dir, 'rotated.jpg'));
  return dir;
}

describe('vault import', () => {
  it('imports every real image, reports planted bad files with reasons and loses nothing else', async () => {
    const dataDir = tmp('fairfal-vault-');
    const planted = await plantFolder();
    const vault = open(dataDir);
    const job = vault.startImport([IMAGES, planted, RETINA], { npzSplits: ['test'], npzShard: { index: 0, count: 40 } });
    const end = await job.done;
    expect(end.state).toBe('finished');

    const realFiles = listFiles(IMAGES);
    const jpgs = realFiles.filter((f) => f.endsWith('.jpg'));
    const others = realFiles.filter((f) => !f.endsWith('.jpg'));
    const summary = vault.summary(job.id);
    const reasons = Object.fromEntries(summary.rejectedFiles.map((r) => [path.basename(r.path), r.reason]));
    expect(reasons).toMatchObject({
      'zero.jpg': 'empty-file',
      'truncated.jpg': 'corrupt',
      'corrupt.png': 'corrupt',
      'fake.jpg': 'unsupported-format',
      'broken.npz': 'npz-invalid',
    });
    expect(summary.rejected).toBe(5);
    // Files beside the images that are none (notes, labels.csv, licences) are skipped quietly and counted.
    expect(reasons['notes.txt']).toBeUndefined();
    expect(summary.otherFiles).toBe(1 + others.length);
    expect([...summary.otherFileNames].sort()).toEqual(['notes.txt', ...others.map((f) => path.basename(f))].sort());
    expect(summary.duplicateFiles.map((d) => path.basename(d.path))).toContain('copy-of-306.jpg');

    // Every real JPEG is in the vault (by content hash), plus 4 planted formats and 10 npz images.
    const distinctJpgs = new Set(jpgs.map((f) => readFileSync(f).toString('base64'))).size;
    expect(summary.imported).toBe(distinctJpgs + 4 + 10);
    expect(summary.done).toBe(summary.total);
    expect(vault.index.count()).toBe(summary.imported);

    const page = vault.listSamples({}, 0, 1000);
    expect(page.total).toBe(summary.imported);
    const byName = new Map(page.items.map((s) => [s.name, s]));
    // EXIF orientation applied: 64x32 stored with orientation 6 is shown 32x64.
    expect(byName.get('rotated.jpg')).toMatchObject({ width: 32, height: 64 });
    expect(byName.get('wide.tiff')).toMatchObject({ width: 64, height: 32 });
    const npzSample = page.items.find((s) => s.source === 'npz')!;
    expect(npzSample.sourceLabel).not.toBeNull();
    expect(npzSample.previewUrl).toBe(`/media/preview/${npzSample.id}.webp`);

    // Previews and thumbnails are built after the import, from staged copies that are then dropped.
    await vault.mediaBuilder.idle();
    const media = vault.stats().media;
    expect(media).toMatchObject({ pending: 0, failed: 0, retryError: null });
    // Images up to 256 px (and archive images) were finished at import; the larger ones here.
    expect(media.built).toBe(page.items.filter((s) => Math.max(s.width, s.height) > 256).length);
    expect(media.built).toBeGreaterThan(0);
    expect(listFiles(vault.staged.dir)).toEqual([]);
    for (const s of page.items) {
      expect(existsSync(vault.media.pathOf('preview', s.id))).toBe(true);
      expect(existsSync(vault.media.pathOf('thumb', s.id))).toBe(true);
    }
    // Preview, thumbnail and tensor exist for every sample; preview longest side <= 1024.
    const big = page.items.find((s) => s.width === 600)!;
    const meta = await sharp(vault.media.pathOf('preview', big.id)).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(1024);
    const thumb = await sharp(vault.media.pathOf('thumb', big.id)).metadata();
    expect(Math.max(thumb.width!, thumb.height!)).toBeLessThanOrEqual(192);
    expect(existsSync(vault.media.pathOf('thumb', npzSample.id))).toBe(true);
    const tensors = vault.tensors.read(page.items.map((s) => s.id));
    expect(tensors.length).toBe(page.items.length * 28 * 28 * 3);
    expect(statSync(path.join(vault.dir, 'tensors-28x28x3.u8')).size).toBe(page.items.length * 28 * 28 * 3);
    // Originals untouched.
    expect(readFileSync(path.join(planted, 'copy-of-306.jpg')).equals(readFileSync(path.join(IMAGES, 'ham10000-dermoscopy', 'ISIC_0024306.jpg')))).toBe(true);
  });

  it('a second import of the same folder adds nothing and reports duplicates', async () => {
    const dataDir = tmp('fairfal-vault-');
    const vault = open(dataDir);
    const dir = path.join(IMAGES, 'ham10000-dermoscopy-600x450');
    const first = await vault.startImport([dir]).done;
    const second = await vault.startImport([dir]).done;
    expect(first.imported).toBeGreaterThan(0);
    expect(second.imported).toBe(0);
    expect(second.duplicates).toBe(first.imported);
  });

  it('survives a killed process mid-import and resumes to a consistent vault', async () => {
    const dataDir = tmp('fairfal-vault-');
    const src = tmp('fairfal-many-');
    const fundus = listFiles(path.join(IMAGES, 'odir-fundus')).filter((f) => f.endsWith('.jpg'));
    for (let i = 0; i < 120; i++) {
      // Distinct content per copy: a JPEG COM-free tail byte change keeps it decodable.
      const b = readFileSync(fundus[i % fundus.length]!);
      writeFileSync(path.join(src, `img-${String(i).padStart(3, '0')}.jpg`), Buffer.concat([b, Buffer.from([i >> 8, i & 255])]));
    }
    mkdirSync(dataDir, { recursive: true });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/services/testing/import-child.ts', dataDir, src], { stdio: ['ignore', 'pipe', 'inherit'] });
    let killedAt = -1;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) {
          const m = /^progress (\d+) running/.exec(line);
          if (m && Number(m[1]) >= 20 && killedAt < 0) {
            killedAt = Number(m[1]);
            child.kill('SIGKILL');
          }
        }
      });
      child.on('exit', () => resolve());
    });
    expect(killedAt).toBeGreaterThan(0);

    const vault = open(dataDir);
    const interrupted = vault.stats().interruptedImport;
    expect(interrupted).not.toBeNull();
    const before = vault.index.count();
    expect(before).toBeGreaterThanOrEqual(20);
    expect(before).toBeLessThan(120);
    // The tensor file holds exactly the committed samples (an interrupted write was trimmed).
    expect(statSync(path.join(vault.dir, 'tensors-28x28x3.u8')).size).toBe(before * 28 * 28 * 3);

    const end = await vault.resumeImport(interrupted!).done;
    expect(end.state).toBe('finished');
    expect(end.imported).toBe(120);
    expect(end.duplicates).toBe(0);
    expect(vault.index.count()).toBe(120);
    expect(vault.tensors.read(vault.index.allIds()).length).toBe(120 * 28 * 28 * 3);
    // Every image gets its preview and thumbnail; staged copies of rows the kill lost were swept.
    await vault.mediaBuilder.idle();
    expect(vault.stats().media).toMatchObject({ pending: 0, failed: 0 });
    for (const id of vault.index.allIds()) expect(existsSync(vault.media.pathOf('preview', id))).toBe(true);
    expect(listFiles(vault.staged.dir)).toEqual([]);
  });

  it('cancel stops the import and keeps what was imported', async () => {
    const vault = open(tmp('fairfal-vault-'));
    const job = vault.startImport([path.join(IMAGES, 'odir-fundus')]);
    await new Promise((r) => setTimeout(r, 50));
    const p = await vault.cancelImport(job.id);
    expect(['cancelled', 'finished']).toContain(p.state);
    expect(vault.index.count()).toBe(p.imported);
  });
});

describe('archive images on a headless node (media deferred)', () => {
  it('imports tensors only, builds a preview from the archive when asked, and refuses an archive whose pixels changed', async () => {
    const dataDir = tmp('fairfal-vault-headless-');
    const db = openNodeDb(dataDir);
    dbs.push(db);
    const vault = new Vault({ db, dataDir, mediaUrl: webMediaUrl, backgroundMedia: false });
    vaults.push(vault);
    const archive = path.join(tmp('fairfal-archive-'), 'retina.npz');
    copyFileSync(RETINA, archive);
    const end = await vault.startImport([archive], { npzSplits: ['train'], npzIndices: [0, 1, 2, 3, 4] }).done;
    expect(end).toMatchObject({ state: 'finished', imported: 5 });
    const ids = vault.index.allIds();
    expect(vault.tensors.read(ids)).toHaveLength(5 * 28 * 28 * 3);
    // Nothing written for display at import time.
    expect(ids.some((id) => existsSync(vault.mediaPath('preview', id)))).toBe(false);
    const asked = await vault.mediaFile('preview', ids[0] as string);
    expect(asked.status.state).toBe('ready');
    const meta = await sharp(asked.file as string).metadata();
    expect(meta.width).toBe(252); // 28 px enlarged 9x with crisp pixels
    // The archive replaced by another one: its pixels no longer match the sample, nothing is made up.
    rmSync(archive);
    writeFileSync(archive, 'PK not the archive any more');
    const gone = await vault.mediaFile('preview', ids[1] as string);
    expect(gone.file).toBeNull();
    expect(gone.status.state).not.toBe('ready');
  });
});
