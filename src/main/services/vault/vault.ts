// The image vault: import jobs, the sample index, model-size tensors and display media, all
// under <dataDir>/vault. Originals are only ever read. An import makes each image's tensor and
// stages its bytes; the MediaBuilder makes previews and thumbnails afterwards (or at once when
// the UI asks for one).
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { ensurePrivateDir } from '../../../platform/private-fs';
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ApiError,
  RejectReasonSchema,
  SampleIdSchema,
  type ImportProgress,
  type ImportSummary,
  type MediaProgress,
  type Sample,
  type SamplePage,
  type VaultStats,
} from '../../../shared/api';
import type { Db } from '../storage/node-db';
import { decodeTensor, rawToPng } from './decode';
import { readArchive } from './archive-cache';
import { archiveSampleId, ImportJob, ImportOptionsSchema, parseArchiveEntryName, type ImportOptions } from './importer';
import { MediaBuilder, type MediaStatus } from './media-builder';
import { MediaStore, type MediaKind, type MediaUrlFn } from './media-store';
import { PendingMedia } from './pending-media';
import { readVerified, StagedSources } from './staged-sources';
import { ImportReviewStore, type ReviewPolicy } from './import-review';
import { TensorStore, shapeKey, type Shape } from './tensor-store';
import { VaultIndex, type SampleFilter } from './vault-index';

export interface VaultOptions {
  db: Db;
  dataDir: string;
  mediaUrl: MediaUrlFn;
  /** Model input shape [H, W, C]; default 28x28x3 until a federation says otherwise. */
  tensorShape?: Shape;
  /** Images decoded at once; bounds memory (each holds one file). Default 4. */
  concurrency?: number;
  now?: () => Date;
  onProgress?: (p: ImportProgress) => void;
  onFinished?: (s: ImportSummary) => void;
  /** How an import's checks treat unlike images: 'hold' (the app) or 'report' (default: headless, simulator). */
  reviewPolicy?: ReviewPolicy;
  /** A failed import check (it never fails the import). */
  onReviewError?: (message: string) => void;
  onMediaProgress?: (p: MediaProgress) => void;
  /**
   * false: previews and thumbnails are built only when asked for (the headless client shows no
   * images; the app builds the rest when it opens this data dir). Default true.
   */
  backgroundMedia?: boolean;
  /** Retry delay of the media builder after a failure that may pass (tests shorten it). */
  mediaRetryMs?: number;
}

export const DEFAULT_TENSOR_SHAPE: Shape = [28, 28, 3];

export class Vault {
  readonly dir: string;
  readonly index: VaultIndex;
  readonly media: MediaStore;
  readonly staged: StagedSources;
  readonly pendingMedia: PendingMedia;
  readonly mediaBuilder: MediaBuilder;
  private tensorStore: TensorStore;
  /** What each import's checks found (modality guard, near-duplicates). */
  readonly review: ImportReviewStore;
  private readonly jobs = new Map<string, ImportJob>();
  private readonly now: () => Date;
  private readonly interrupted: string[];
  private closed = false;

  constructor(private readonly opts: VaultOptions) {
    this.dir = path.join(opts.dataDir, 'vault');
    ensurePrivateDir(this.dir);
    this.index = new VaultIndex(opts.db);
    // A committed tensor slot must never point at bytes a power cut could still lose.
    this.index.beforeCommit = () => this.tensorStore.flush();
    this.media = new MediaStore(path.join(this.dir, 'media'));
    this.tensorStore = new TensorStore(opts.db, this.dir, opts.tensorShape ?? DEFAULT_TENSOR_SHAPE);
    this.review = new ImportReviewStore(opts.db, () => this.tensorStore);
    this.now = opts.now ?? (() => new Date());
    this.interrupted = this.index.markInterrupted();
    this.staged = new StagedSources(path.join(this.dir, 'staged'));
    this.pendingMedia = new PendingMedia(opts.db);
    // Before any import can start, so it cannot race a staging write.
    this.staged.sweep((id) => this.pendingMedia.isWanted(id));
    this.mediaBuilder = new MediaBuilder({
      pending: this.pendingMedia,
      media: this.media,
      readSource: (id) => this.readSource(id),
      mediaExists: (id) => this.media.has('preview', id) && this.media.has('thumb', id),
      dropSource: (id) => this.staged.remove(id),
      concurrency: opts.concurrency ?? 4,
      ...(opts.onMediaProgress ? { onProgress: opts.onMediaProgress } : {}),
      ...(opts.mediaRetryMs !== undefined ? { retryDelayMs: opts.mediaRetryMs } : {}),
      background: opts.backgroundMedia !== false,
    });
    this.mediaBuilder.start();
  }

  /** An image's source bytes, verified by hash: the staged copy, else the original if unchanged. */
  async readSource(id: string): Promise<Buffer | null> {
    const staged = await this.staged.read(id);
    if (staged) return staged;
    const row = this.index.getSamples([id])[0];
    if (row?.source === 'npz') return this.readArchiveEntry(row.source_path, row.name, id);
    return row && row.source === 'file' ? readVerified(row.source_path, id) : null;
  }

  /** An archive image (media deferred at import) as PNG bytes, if the archive still holds the same pixels. */
  private async readArchiveEntry(file: string, name: string, id: string): Promise<Buffer | null> {
    const entry = parseArchiveEntryName(name);
    if (!entry) return null;
    let archive: ReturnType<typeof readArchive>;
    try {
      archive = readArchive(file);
    } catch {
      return null; // moved or unreadable: the media is reported as not available
    }
    const split = archive.splits[entry.split];
    if (!split || entry.index >= split.count) return null;
    const per = split.height * split.width * split.channels;
    const pixels = split.images.subarray(entry.index * per, (entry.index + 1) * per);
    return archiveSampleId(pixels, split.height, split.width, split.channels) === id ? rawToPng(pixels, split.width, split.height, split.channels as 1 | 3) : null;
  }

  private hasSourceFile(id: string): boolean {
    if (existsSync(this.staged.pathOf(id))) return true;
    const row = this.index.getSamples([id])[0];
    return (row?.source === 'file' || row?.source === 'npz') && existsSync(row.source_path);
  }

  /**
   * The file behind a media URL, built first if it is still pending (the UI asked for it, so it
   * jumps the queue). `file` is null when the media cannot be had; `status` says why.
   */
  /**
   * The display file of a sample the index knows, once built: only a regular file (never a
   * symbolic link someone put in the media folder) is handed out; open it with
   * `openMediaNoFollow` so a link swapped in after this check is refused too.
   */
  /** Where a media file of this hash lives (whether or not it exists). */
  mediaPath(kind: MediaKind, id: string): string {
    return this.media.pathOf(kind, id);
  }

  async mediaFile(kind: MediaKind, id: string): Promise<{ file: string | null; status: MediaStatus }> {
    if (!this.index.hasSample(id)) return { file: null, status: { state: 'unknown', error: null } };
    const status = await this.mediaBuilder.ensure(id);
    if (status.state !== 'ready') return { file: null, status };
    const file = this.media.pathOf(kind, id);
    const st = await lstat(file).catch(() => null);
    if (!st || !st.isFile()) return { file: null, status: { state: 'failed', error: st ? 'the media file is not a regular file' : 'the media file is missing' } };
    return { file, status };
  }

  get tensors(): TensorStore {
    return this.tensorStore;
  }

  /** Switches the model-size tensors to another input shape, building the missing ones from the previews. */
  async setTensorShape(shape: Shape): Promise<void> {
    if (shapeKey(shape) === this.tensorStore.key) return;
    if (this.jobs.size > 0) throw new ApiError('conflict', 'cannot change the model input shape while an import runs');
    // Checked before switching, so a refusal leaves the vault on its current shape, whole.
    const lost = this.index.allIds().filter((id) => !this.media.has('preview', id) && !this.hasSourceFile(id));
    if (lost.length > 0) {
      const names = this.index.getSamples(lost.slice(0, 5)).map((r) => r.name).join(', ');
      throw new ApiError('conflict', `cannot make ${shapeKey(shape)} tensors: ${lost.length} image(s) have neither a preview nor their source any more (${names}); import those files again`);
    }
    this.tensorStore.close();
    this.tensorStore = new TensorStore(this.opts.db, this.dir, shape);
    await this.ensureTensors();
  }

  /** Every sample has a tensor at the current shape (missing ones are rebuilt from the source if it is at hand, else the preview). */
  async ensureTensors(): Promise<number> {
    let built = 0;
    const shape = this.tensorStore.shape;
    for (const id of this.index.allIds()) {
      if (this.tensorStore.has(id)) continue;
      const source = (await this.readSource(id)) ?? (await readFile(this.media.pathOf('preview', id)));
      const { tensor } = await decodeTensor(source, shape);
      const slot = this.tensorStore.write(tensor);
      this.tensorStore.commit(id, slot);
      built++;
    }
    this.tensorStore.flush();
    return built;
  }

  startImport(paths: readonly string[], options: ImportOptions = {}): ImportJob {
    if (this.jobs.size > 0) throw new ApiError('conflict', 'an import is already running; cancel it or wait for it to finish');
    const id = `imp_${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
    const startedAt = this.now().toISOString();
    const roots = paths.map((p) => path.resolve(p));
    this.index.createImport(id, roots, JSON.stringify(ImportOptionsSchema.parse(options)), startedAt);
    return this.launch(id, roots, options, startedAt);
  }

  resumeImport(id: string): ImportJob {
    const running = this.jobs.get(id);
    if (running) return running;
    if (this.jobs.size > 0) throw new ApiError('conflict', 'another import is running');
    const row = this.index.getImport(id);
    if (!row) throw new ApiError('not-found', `no import ${id}`);
    if (row.state === 'finished') throw new ApiError('conflict', `import ${id} already finished`);
    const roots = JSON.parse(row.roots_json) as string[];
    const options = ImportOptionsSchema.parse(JSON.parse(row.options_json));
    return this.launch(id, roots, options, row.started_at);
  }

  private launch(id: string, roots: readonly string[], options: ImportOptions, startedAt: string): ImportJob {
    const job = new ImportJob(id, roots, options, startedAt, {
      index: this.index,
      media: this.media,
      staged: this.staged,
      pendingMedia: this.pendingMedia,
      tensors: () => this.tensorStore,
      concurrency: this.opts.concurrency ?? 4,
      deferArchiveMedia: this.opts.backgroundMedia === false,
      now: this.now,
      onProgress: (p) => this.opts.onProgress?.(p),
    });
    this.jobs.set(id, job);
    this.mediaBuilder.setImporting(true);
    void job.done.then(() => {
      this.jobs.delete(id);
      this.mediaBuilder.setImporting(false);
      const i = this.interrupted.indexOf(id);
      if (i >= 0) this.interrupted.splice(i, 1);
      if (!this.closed) {
        try {
          this.review.review(id, this.index.idsOfImport(id), this.index.allIds(), this.opts.reviewPolicy ?? 'report');
        } catch (err) {
          // The checks are advice: an import is never lost to them.
          this.opts.onReviewError?.(err instanceof Error ? err.message : String(err));
        }
      }
      this.opts.onFinished?.(this.summary(id));
    });
    return job;
  }

  async cancelImport(id: string): Promise<ImportProgress> {
    const job = this.jobs.get(id);
    if (!job) return this.progressOf(id);
    job.cancel();
    return job.done;
  }

  runningImport(): ImportJob | null {
    return this.jobs.values().next().value ?? null;
  }

  interruptedImport(): string | null {
    return this.interrupted[this.interrupted.length - 1] ?? null;
  }

  progressOf(id: string): ImportProgress {
    const job = this.jobs.get(id);
    if (job) return job.progress();
    const row = this.index.getImport(id);
    if (!row) throw new ApiError('not-found', `no import ${id}`);
    const c = this.index.importCounts(id);
    const done = c.imported + c.duplicates + c.rejected + c.otherFiles;
    return {
      importId: row.id as ImportProgress['importId'],
      state: row.state as ImportProgress['state'],
      done,
      total: Math.max(row.total, done),
      ...c,
      ratePerSecond: 0,
      etaSeconds: row.state === 'finished' ? 0 : null,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      error: row.error,
    };
  }

  summary(id: string): ImportSummary {
    const p = this.progressOf(id);
    return {
      ...p,
      rejectedFiles: this.index
        .issues(id, 'rejected')
        .filter((r) => r.reason !== 'not-an-image')
        .map((r) => ({ path: r.source_key, reason: RejectReasonSchema.catch('corrupt').parse(r.reason), detail: r.detail ?? '' })),
      otherFileNames: this.index
        .issues(id, 'rejected')
        .filter((r) => r.reason === 'not-an-image')
        .slice(0, 100)
        .map((r) => path.basename(r.source_key)),
      duplicateFiles: this.index.issues(id, 'duplicate').map((r) => ({ path: r.source_key, sampleId: SampleIdSchema.parse(r.sample_id) })),
    };
  }

  listImports(): ImportProgress[] {
    return this.index.listImports().map((r) => this.progressOf(r.id));
  }

  listSamples(filter: SampleFilter, offset: number, limit: number): SamplePage {
    const { total, rows } = this.index.page(filter, offset, limit);
    const items: Sample[] = rows.map((r) => ({
      id: SampleIdSchema.parse(r.id),
      name: r.name,
      sourcePath: r.source_path,
      source: r.source,
      width: r.width,
      height: r.height,
      importedAt: r.imported_at,
      previewUrl: this.opts.mediaUrl('preview', r.id),
      thumbnailUrl: this.opts.mediaUrl('thumb', r.id),
      sourceLabel: r.source_label,
      predictedClass: r.predicted,
      queued: r.queued === 1,
    }));
    return { total, offset, items };
  }

  stats(): VaultStats {
    return {
      samples: this.index.count(),
      bytesOnDisk: dirSize(this.dir),
      tensorShape: [...this.tensorStore.shape] as [number, number, number],
      vaultDir: this.dir,
      interruptedImport: (this.interruptedImport() as VaultStats['interruptedImport']) ?? null,
      media: this.mediaBuilder.progress(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The builder first: a cancelled import must not start background builds on its way out.
    await this.mediaBuilder.close();
    for (const job of this.jobs.values()) job.cancel();
    await Promise.all([...this.jobs.values()].map((j) => j.done));
    this.tensorStore.close();
  }
}

function dirSize(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirSize(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}
