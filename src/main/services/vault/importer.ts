// One import job: scan, then a small pool of workers (bounded memory: at most `concurrency`
// files are held at once) hashing, decoding and storing each item. Every item commits on its
// own, so the counters are always derived from committed rows: a crash or a cancel leaves a
// consistent vault, and resuming the same import skips every item it already settled.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { ImageSplit, SplitName } from '../../../engine/data/npz';
import { readArchive } from './archive-cache';
import type { ImportProgress, RejectReason } from '../../../shared/api';
import { DecodeError, decodeForImport, encodeRaw, rawTensor, type DecodedImage, type DecodedTensor } from './decode';
import { RateWindow } from './rate-window';
import { scanRoots, type ScannedFile } from './scan';
import type { NewSample, VaultIndex } from './vault-index';
import type { MediaStore } from './media-store';
import type { PendingMedia } from './pending-media';
import type { StagedSources } from './staged-sources';
import type { TensorStore } from './tensor-store';
import { z } from 'zod';

/** Image formats a clinician may drop in that this vault does not decode: reported, unlike other files. */
const UNREADABLE_IMAGE_EXT = new Set(['.bmp', '.gif', '.heic', '.heif', '.jp2', '.dcm', '.dicom', '.svg', '.raw', '.nef', '.cr2', '.dng']);

/** Files larger than this are refused before reading (no clinical photo is near it). */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** How an archive image is named in the vault (and found again in its archive). */
export function archiveEntryName(file: string, split: SplitName, index: number): string {
  return `${path.basename(file)}#${split}/${index}`;
}

/** An archive image's sample id: sha256 over its shape and raw pixels (what the vault de-duplicates by). */
export function archiveSampleId(pixels: Uint8Array, height: number, width: number, channels: number): string {
  return createHash('sha256').update(`npz:${height}x${width}x${channels}\n`).update(pixels).digest('hex');
}

/** The split and index of an archive entry's name, or null. */
export function parseArchiveEntryName(name: string): { split: SplitName; index: number } | null {
  const m = /#(train|val|test)\/(\d+)$/.exec(name);
  return m ? { split: m[1] as SplitName, index: Number(m[2]) } : null;
}

export const ImportOptionsSchema = z.object({
  /** .npz archives: which splits to import (default all). */
  npzSplits: z.array(z.enum(['train', 'val', 'test'])).optional(),
  /** .npz archives: keep only images with index % count === index (a client's partition). */
  npzShard: z.object({ index: z.number().int().nonnegative(), count: z.number().int().positive() }).optional(),
  /** .npz archives: keep only these image indices of each split (a simulated clinic's partition). */
  npzIndices: z.array(z.number().int().nonnegative()).max(10_000_000).optional(),
});
export type ImportOptions = z.infer<typeof ImportOptionsSchema>;

type Item =
  | { kind: 'file'; key: string; path: string; scanned: ScannedFile }
  | { kind: 'npz'; key: string; path: string; split: SplitName; index: number; data: ImageSplit };

interface Outcome {
  kind: 'imported' | 'duplicate' | 'rejected';
}

export interface ImportJobDeps {
  index: VaultIndex;
  media: MediaStore;
  /** Where a file's bytes wait for its preview (built after the import by the MediaBuilder). */
  staged: StagedSources;
  pendingMedia: PendingMedia;
  tensors: () => TensorStore;
  concurrency: number;
  /**
   * Archive (.npz) images get their media later, from the archive, when asked for (a headless
   * node shows none): the import then writes only tensors and rows. Default false (made now).
   */
  deferArchiveMedia?: boolean;
  now: () => Date;
  onProgress: (p: ImportProgress) => void;
}

export class ImportJob {
  private cancelled = false;
  private state: ImportProgress['state'] = 'scanning';
  private total = 0;
  private counts = { imported: 0, duplicates: 0, rejected: 0, otherFiles: 0 };
  private readonly window = new RateWindow();
  private lastEmit = 0;
  private error: string | null = null;
  private finishedAt: string | null = null;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly commits = new Set<Promise<void>>();
  readonly done: Promise<ImportProgress>;

  constructor(
    readonly id: string,
    private readonly roots: readonly string[],
    private readonly options: ImportOptions,
    private readonly startedAt: string,
    private readonly deps: ImportJobDeps,
  ) {
    const prior = deps.index.importCounts(id);
    this.counts = prior;
    this.done = this.run();
  }

  cancel(): void {
    this.cancelled = true;
  }

  progress(): ImportProgress {
    const done = this.counts.imported + this.counts.duplicates + this.counts.rejected + this.counts.otherFiles;
    const rate = this.rate();
    const remaining = Math.max(0, this.total - done);
    return {
      importId: this.id as ImportProgress['importId'],
      state: this.state,
      done,
      total: Math.max(this.total, done),
      ...this.counts,
      ratePerSecond: rate,
      etaSeconds: this.state === 'running' && rate > 0 ? remaining / rate : this.state === 'running' ? null : 0,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      error: this.error,
    };
  }

  private rate(): number {
    return this.window.perSecond();
  }

  private tick(force = false): void {
    const t = Date.now();
    const done = this.counts.imported + this.counts.duplicates + this.counts.rejected + this.counts.otherFiles;
    this.window.add(done, t);
    if (force || t - this.lastEmit >= 250) {
      this.lastEmit = t;
      this.deps.onProgress(this.progress());
    }
  }

  private async run(): Promise<ImportProgress> {
    const { index } = this.deps;
    try {
      this.tick(true);
      const settled = index.settledKeys(this.id);
      const files = await scanRoots(
        this.roots,
        (p) => {
          this.total++;
          this.record(p.path, { kind: 'rejected' }, 'unreadable', p.detail, settled);
        },
        () => this.cancelled,
      );
      const items = this.items(files, settled);
      this.state = 'running';
      index.setImportState(this.id, 'running', this.total, null, null);
      this.tick(true);
      const workers = Array.from({ length: this.deps.concurrency }, async () => {
        for (;;) {
          if (this.cancelled) return;
          const next = items.next();
          if (next.done) return;
          await this.process(next.value);
          this.tick();
        }
      });
      await Promise.all(workers);
      index.flush();
      await Promise.allSettled([...this.commits]);
      if (this.error) throw new Error(this.error);
      this.deps.tensors().flush();
      this.state = this.cancelled ? 'cancelled' : 'finished';
    } catch (err) {
      this.state = 'failed';
      this.error = err instanceof Error ? err.message : String(err);
    }
    this.finishedAt = this.deps.now().toISOString();
    index.setImportState(this.id, this.state, this.total, this.finishedAt, this.error);
    this.tick(true);
    return this.progress();
  }

  /** Expands files (and .npz archives into their images), skipping what this import already settled. */
  private *items(files: ScannedFile[], settled: Set<string>): Generator<Item> {
    // Count first so progress has a total; archives are opened once to count and kept as they are needed.
    const archives = new Map<string, { split: SplitName; data: ImageSplit; indices: number[] }[]>();
    for (const f of files) {
      if (f.kind !== 'npz') {
        this.total++;
        continue;
      }
      try {
        const parts = this.npzParts(f.path);
        archives.set(f.path, parts);
        this.total += parts.reduce((s, p) => s + p.indices.length, 0);
      } catch (err) {
        this.total++;
        this.record(f.path, { kind: 'rejected' }, 'npz-invalid', err instanceof Error ? err.message : String(err), settled);
      }
    }
    for (const f of files) {
      if (f.kind !== 'npz') {
        if (!settled.has(f.path)) yield { kind: 'file', key: f.path, path: f.path, scanned: f };
        continue;
      }
      const parts = archives.get(f.path);
      if (!parts) continue;
      archives.delete(f.path); // release the archive's memory once its images are handed out
      for (const part of parts) {
        for (const i of part.indices) {
          const key = `${f.path}#${part.split}/${i}`;
          if (!settled.has(key)) yield { kind: 'npz', key, path: f.path, split: part.split, index: i, data: part.data };
        }
      }
    }
  }

  private npzParts(file: string): { split: SplitName; data: ImageSplit; indices: number[] }[] {
    const ds = readArchive(file);
    const out: { split: SplitName; data: ImageSplit; indices: number[] }[] = [];
    const shard = this.options.npzShard;
    for (const split of this.options.npzSplits ?? (['train', 'val', 'test'] as const)) {
      const data = ds.splits[split];
      if (!data) continue;
      const only = this.options.npzIndices ? new Set(this.options.npzIndices) : null;
      const indices: number[] = [];
      for (let i = 0; i < data.count; i++) if ((!shard || i % shard.count === shard.index) && (!only || only.has(i))) indices.push(i);
      out.push({ split, data, indices });
    }
    return out;
  }

  private async process(item: Item): Promise<void> {
    try {
      if (item.kind === 'file') await this.processFile(item);
      else await this.processNpz(item);
    } catch (err) {
      // An unexpected failure of one item (disk full, ...) is reported on that item; the import goes on.
      this.record(item.key, { kind: 'rejected' }, 'unreadable', err instanceof Error ? err.message : String(err));
    }
  }

  private async processFile(item: Extract<Item, { kind: 'file' }>): Promise<void> {
    if (item.scanned.kind === 'other') {
      const ext = path.extname(item.path).toLowerCase();
      // An image type we cannot read is a problem to show; a CSV or a licence beside the images is not.
      if (UNREADABLE_IMAGE_EXT.has(ext)) return this.record(item.key, { kind: 'rejected' }, 'unsupported-format', `${ext} images are not supported (JPEG, PNG, WebP, TIFF are)`);
      return this.record(item.key, { kind: 'rejected' }, 'not-an-image', `not an image file (${ext || 'no extension'})`);
    }
    // One open for the size check and the read (stat + readFile would open the file twice).
    let read: { bytes: Buffer; size: number; mtimeMs: number } | { rejected: [RejectReason, string] };
    try {
      read = await readWhole(item.path);
    } catch (err) {
      return this.record(item.key, { kind: 'rejected' }, 'unreadable', (err as Error).message);
    }
    if ('rejected' in read) return this.record(item.key, { kind: 'rejected' }, ...read.rejected);
    const { bytes } = read;
    const id = createHash('sha256').update(bytes).digest('hex');
    if (await this.isDuplicate(item.key, id)) {
      // The same bytes again give an image whose preview failed (source lost, disk full) another try.
      if (this.deps.pendingMedia.stateOf(id)?.state === 'failed') {
        await this.deps.staged.write(id, bytes);
        this.deps.pendingMedia.retry(id);
      }
      return;
    }
    await this.guard(id, async () => {
      let decoded: DecodedTensor | DecodedImage;
      try {
        decoded = await decodeForImport(bytes, this.deps.tensors().shape);
      } catch (err) {
        const reason: RejectReason = err instanceof DecodeError ? err.reason : 'corrupt';
        return this.record(item.key, { kind: 'rejected' }, reason, err instanceof Error ? err.message : String(err));
      }
      const meta: NewSample['meta'] = {
        name: path.basename(item.path), sourceKey: item.key, sourcePath: item.path, source: 'file',
        fileSize: read.size, fileMtimeMs: Math.round(read.mtimeMs), sourceLabel: null,
      };
      if ('preview' in decoded) return this.storeWithMedia(id, decoded, meta);
      // The preview and thumbnail are made later from this private copy (media-builder.ts).
      await this.deps.staged.write(id, bytes);
      this.commitSample(id, decoded, meta, () => this.deps.pendingMedia.add(id));
    });
  }

  private async processNpz(item: Extract<Item, { kind: 'npz' }>): Promise<void> {
    const { data } = item;
    const per = data.height * data.width * data.channels;
    const pixels = data.images.subarray(item.index * per, (item.index + 1) * per);
    const id = archiveSampleId(pixels, data.height, data.width, data.channels);
    if (await this.isDuplicate(item.key, id)) return;
    await this.guard(id, async () => {
      const meta = {
        name: archiveEntryName(item.path, item.split, item.index), sourceKey: item.key, sourcePath: item.path,
        source: 'npz' as const, fileSize: null, fileMtimeMs: null, sourceLabel: data.labels[item.index] ?? null,
      };
      if (this.deps.deferArchiveMedia) {
        // The archive stays the source: the media builder renders from it if the app ever asks.
        const decoded = await rawTensor(pixels, data.width, data.height, data.channels, this.deps.tensors().shape);
        this.commitSample(id, decoded, meta, () => this.deps.pendingMedia.add(id));
        return;
      }
      // Archive images are tiny and already decoded: their media cost less than staging would.
      const decoded = await encodeRaw(pixels, data.width, data.height, data.channels, this.deps.tensors().shape);
      await this.storeWithMedia(id, decoded, meta);
    });
  }

  /** Serialises work on one content hash, so two copies in one import store it once. */
  private async guard(id: string, work: () => Promise<void>): Promise<void> {
    const p = work();
    this.inFlight.set(id, p);
    try {
      await p;
    } finally {
      this.inFlight.delete(id);
    }
  }

  private async isDuplicate(key: string, id: string): Promise<boolean> {
    const pending = this.inFlight.get(id);
    if (pending) await pending.catch(() => undefined);
    if (!this.deps.index.hasSample(id)) return false;
    this.record(key, { kind: 'duplicate' }, null, null, undefined, id);
    return true;
  }

  private async storeWithMedia(id: string, d: DecodedImage, meta: NewSample['meta']): Promise<void> {
    await this.deps.media.writeBoth(id, d.preview, d.thumbnail);
    this.commitSample(id, d, meta);
  }

  /** Queues the sample row, its tensor slot and `alsoInTx` for the next batch commit. */
  private commitSample(id: string, d: DecodedTensor, meta: NewSample['meta'], alsoInTx?: () => void): void {
    const { index } = this.deps;
    const tensors = this.deps.tensors();
    const slot = tensors.write(d.tensor);
    // Counted at commit (batched; not awaited so workers keep decoding): counters only ever reflect rows on disk.
    this.track(
      index
        .insertSample({ id, importId: this.id, width: d.width, height: d.height, importedAt: this.deps.now().toISOString(), meta }, () => {
          tensors.commit(id, slot);
          alsoInTx?.();
        })
        .then(() => {
          this.counts.imported++;
        }),
    );
  }

  private record(key: string, o: Outcome, reason: RejectReason | null, detail: string | null, settled?: Set<string>, sampleId?: string): void {
    if (settled?.has(key)) return;
    this.track(
      this.deps.index.insertIssue(this.id, key, o.kind === 'duplicate' ? 'duplicate' : 'rejected', reason, detail, sampleId ?? null).then(() => {
        if (o.kind === 'duplicate') this.counts.duplicates++;
        else if (reason === 'not-an-image') this.counts.otherFiles++;
        else this.counts.rejected++;
      }),
    );
  }

  private track(p: Promise<void>): void {
    this.commits.add(p);
    p.catch((err: unknown) => {
      this.error ??= err instanceof Error ? err.message : String(err);
    }).finally(() => this.commits.delete(p));
  }
}

/** Reads a whole file through one handle; empty and oversized files are refused before reading. */
async function readWhole(file: string): Promise<{ bytes: Buffer; size: number; mtimeMs: number } | { rejected: [RejectReason, string] }> {
  const fh = await open(file, 'r');
  try {
    const st = await fh.stat();
    if (st.size === 0) return { rejected: ['empty-file', 'the file is 0 bytes'] };
    if (st.size > MAX_FILE_BYTES) return { rejected: ['too-large', `${st.size} bytes is over ${MAX_FILE_BYTES}`] };
    const bytes = Buffer.allocUnsafe(st.size);
    let at = 0;
    while (at < st.size) {
      const { bytesRead } = await fh.read(bytes, at, st.size - at, at);
      if (bytesRead === 0) break; // shrank while we read: hash and decode what is there
      at += bytesRead;
    }
    return { bytes: at === st.size ? bytes : bytes.subarray(0, at), size: st.size, mtimeMs: st.mtimeMs };
  } finally {
    await fh.close();
  }
}
