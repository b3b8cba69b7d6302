// Builds the display media (WebP preview and thumbnail) of imported images after the import,
// from their staged source bytes. The import itself only makes what training and the query
// need, so it finishes ~3x sooner (bench/import); this builder then works through the backlog
// in the background, never while an import runs (the import has the CPU), and jumps the queue
// for any image the UI asks for (`ensure`), so an annotator never waits for the backlog.
// Persisted in `pending_media`: a restart resumes where it stopped.
import type { MediaProgress } from '../../../shared/api';
import { DecodeError, renderMedia, type RenderedMedia } from './decode';
import type { MediaStore } from './media-store';
import type { PendingMedia } from './pending-media';
import { RateWindow } from './rate-window';

export interface MediaBuilderDeps {
  pending: PendingMedia;
  media: MediaStore;
  /** The sample's source bytes (staged copy, else the original), verified by hash; null when gone. */
  readSource(sampleId: string): Promise<Buffer | null>;
  /** True when both media files of the sample are already on disk (a build whose commit was lost). */
  mediaExists(sampleId: string): boolean;
  /** Drops the staged copy once it is no longer needed. */
  dropSource(sampleId: string): Promise<void>;
  /** Images built at once; bounds memory and CPU. */
  concurrency: number;
  onProgress?(p: MediaProgress): void;
  /** How long background building waits after a failure that may pass (disk full). Default 30 s. */
  retryDelayMs?: number;
  render?(bytes: Buffer): Promise<RenderedMedia>;
  /** false: build only what is asked for (a headless node shows no images). Default true. */
  background?: boolean;
}

export interface MediaStatus {
  /** 'unknown': no sample with this hash (asked by URL, never produced by a build). */
  state: 'ready' | 'pending' | 'failed' | 'unknown';
  /** Why a build failed, or the last error of one that will be retried. */
  error: string | null;
}

/** What both hosts answer for media that cannot be served: 410 when it never will be, 503 while it may still come. */
export function unavailableReply(kind: string, status: MediaStatus): { httpStatus: 404 | 410 | 503; text: string } {
  if (status.state === 'unknown') return { httpStatus: 404, text: 'not found' };
  return { httpStatus: status.state === 'failed' ? 410 : 503, text: `no ${kind} for this image: ${status.error ?? 'still being built'}` };
}

const BACKLOG_BATCH = 256;
/** After this many failed tries (disk full every time, ...) an image is marked failed with its last error. */
const MAX_ATTEMPTS = 5;
const EMIT_MS = 250;

export class MediaBuilder {
  private importing = false;
  private closed = false;
  private backoffUntil = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly urgent: string[] = [];
  private backlog: string[] = [];
  private readonly inFlight = new Set<string>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private idleWaiters: (() => void)[] = [];
  private workers = 0;
  private built = 0;
  private retryError: string | null = null;
  private readonly rate = new RateWindow();
  private lastEmit = 0;

  constructor(private readonly deps: MediaBuilderDeps) {}

  /** Starts (or resumes) background building of whatever is pending. */
  start(): void {
    this.kick();
  }

  /** While an import runs, only images the UI asks for are built. */
  setImporting(on: boolean): void {
    this.importing = on;
    this.emit(true);
    if (!on) this.kick();
  }

  /** Builds this sample's media now if they are pending (ahead of the backlog) and says where they stand. */
  async ensure(sampleId: string): Promise<MediaStatus> {
    const before = this.status(sampleId);
    if (before.state !== 'pending' || this.closed) return before;
    await new Promise<void>((resolve) => {
      this.waiters.set(sampleId, [...(this.waiters.get(sampleId) ?? []), resolve]);
      if (!this.inFlight.has(sampleId) && !this.urgent.includes(sampleId)) this.urgent.push(sampleId);
      this.kick();
    });
    return this.status(sampleId);
  }

  status(sampleId: string): MediaStatus {
    const row = this.deps.pending.stateOf(sampleId);
    return row ? { state: row.state, error: row.error } : { state: 'ready', error: null };
  }

  /** Resolves when nothing is pending any more (failed builds excluded), or when the builder is closed. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  progress(): MediaProgress {
    const { pending, failed } = this.deps.pending.counts();
    const rate = this.rate.perSecond();
    const state = this.workers > 0 ? 'building' : this.importing && pending > 0 ? 'waiting-for-import' : 'idle';
    return {
      state,
      pending,
      failed,
      built: this.built,
      ratePerSecond: state === 'building' ? rate : 0,
      etaSeconds: pending === 0 ? 0 : state === 'building' && rate > 0 ? pending / rate : null,
      retryError: this.retryError,
      failures: this.deps.pending.failures(20) as MediaProgress['failures'],
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const id of this.urgent.splice(0)) this.wake(id);
    while (this.workers > 0) await new Promise((r) => setTimeout(r, 5));
    // Nothing more will be built: whoever waits for idle() is told now rather than never.
    for (const r of this.idleWaiters.splice(0)) r();
  }

  private kick(): void {
    while (!this.closed && this.workers < this.deps.concurrency && this.hasWork()) {
      this.workers++;
      void this.work();
    }
  }

  private hasWork(): boolean {
    if (this.urgent.length > 0) return true;
    if (!this.mayRunBacklog()) return false;
    if (this.backlog.length === 0) this.backlog = this.deps.pending.next(BACKLOG_BATCH, this.inFlight);
    return this.backlog.length > 0;
  }

  private mayRunBacklog(): boolean {
    return this.deps.background !== false && !this.importing && !this.closed && Date.now() >= this.backoffUntil;
  }

  private nextId(): string | null {
    const u = this.urgent.shift();
    if (u !== undefined) return u;
    return this.hasWork() ? (this.backlog.shift() ?? null) : null;
  }

  private async work(): Promise<void> {
    try {
      for (let id = this.nextId(); id !== null && !this.closed; id = this.nextId()) {
        // Asked for while another worker builds it: that build wakes its waiters.
        if (this.inFlight.has(id)) continue;
        this.inFlight.add(id);
        try {
          await this.build(id);
        } finally {
          this.inFlight.delete(id);
          this.wake(id);
        }
      }
    } catch (err) {
      // The database itself failed (nextId, or recording a failure): stop and try again later.
      if (!this.closed) this.pauseAfter(err);
    } finally {
      this.workers--;
      if (this.workers === 0 && !this.closed) this.settle();
    }
  }

  /** The last worker stopped: report, release idle() waiters, and release waiters nobody will serve. */
  private settle(): void {
    this.rate.clear();
    try {
      this.emit(true);
      if (this.isIdle()) for (const r of this.idleWaiters.splice(0)) r();
    } catch {
      // A failing progress listener or database must not strand anyone: the waiters below still wake.
    }
    // Urgent ids left without a worker (their workers died on an error) still have waiters.
    for (const id of this.urgent.splice(0)) this.wake(id);
  }

  private async build(id: string): Promise<void> {
    const { pending } = this.deps;
    try {
      if (pending.stateOf(id)?.state !== 'pending') return; // built meanwhile (asked for and in the backlog)
      const bytes = await this.deps.readSource(id);
      if (!bytes) {
        if (this.deps.mediaExists(id)) return await this.finish(id);
        return await this.fail(id, "the image's source is gone: the vault's staged copy is missing or damaged and the original file was moved, deleted or changed");
      }
      let media: RenderedMedia;
      try {
        media = await (this.deps.render ?? renderMedia)(bytes);
      } catch (err) {
        if (err instanceof DecodeError) return await this.fail(id, `the preview cannot be made: ${err.message}`);
        throw err;
      }
      await this.deps.media.writeBoth(id, media.preview, media.thumbnail);
      await this.finish(id);
    } catch (err) {
      if (this.closed) return;
      // Disk full, an I/O error: worth another try later (up to MAX_ATTEMPTS); the staged source stays.
      pending.retryLater(id, message(err), MAX_ATTEMPTS);
      this.pauseAfter(err);
    } finally {
      if (!this.closed) this.emit();
    }
  }

  private pauseAfter(err: unknown): void {
    this.retryError = message(err);
    this.backoff();
  }

  private async finish(id: string): Promise<void> {
    this.deps.pending.done(id);
    this.built++;
    this.rate.add(this.built);
    this.retryError = null;
    // If this delete is lost, the next start's sweep removes the file.
    await this.deps.dropSource(id).catch(() => undefined);
  }

  private async fail(id: string, error: string): Promise<void> {
    this.deps.pending.fail(id, error);
    await this.deps.dropSource(id).catch(() => undefined);
  }

  private backoff(): void {
    const delay = this.deps.retryDelayMs ?? 30_000;
    this.backoffUntil = Date.now() + delay;
    this.backlog = [];
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      // Timers may fire a millisecond before Date.now() reaches backoffUntil: end the wait here.
      this.backoffUntil = 0;
      this.kick();
    }, delay);
    this.retryTimer.unref?.();
  }

  private wake(id: string): void {
    const ws = this.waiters.get(id);
    this.waiters.delete(id);
    for (const w of ws ?? []) w();
  }

  private isIdle(): boolean {
    return this.workers === 0 && this.urgent.length === 0 && this.deps.pending.counts().pending === 0;
  }

  private emit(force = false): void {
    const t = Date.now();
    if (!force && t - this.lastEmit < EMIT_MS) return;
    this.lastEmit = t;
    this.deps.onProgress?.(this.progress());
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
