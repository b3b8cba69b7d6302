// Keeps the workspace and the client node in step: pulls vault samples and each cycle's
// query into Dexie, and drains the outbox by handing main the whole labeled set. Labeling
// never waits for any of this; when main is unreachable the outbox simply grows and the
// status shows it. The workspace is per browser origin, so a new origin or a cleared profile
// starts empty: before the first hand-over it takes back the labels the node holds (local
// history wins), otherwise handing over its few labels would replace the node's whole set.
import { ApiError, SampleIdSchema, type ApiClient, type ImportId, type Queue } from '../../../shared/api';
import type { AnnotatorDb } from '../db/database';
import { restoreNodeExclusions } from '../db/exclusions';
import { readingsOf, restoreNodeReadings, withheldFromTraining } from '../db/second-read';
import { applyQueue, missingSamples, nextSeq, RECOVERED_ANNOTATOR, restoreNodeLabels, upsertSamples } from '../db/ingest';

export interface SyncState {
  syncing: boolean;
  lastSyncAt: string | null;
  lastError: string | null;
  /** Labels main refused (unknown sample, class outside the label set), with its reason. */
  ignored: { sampleId: string; reason: string }[];
}

const PAGE = 1000;
const DRAIN_INTERVAL_MS = 1500;

export class NodeSync {
  private state: SyncState = { syncing: false, lastSyncAt: null, lastError: null, ignored: [] };
  private readonly listeners = new Set<() => void>();
  private draining: Promise<void> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private offs: (() => void)[] = [];
  private recovered: Promise<void> | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly db: AnnotatorDb,
  ) {}

  start(): void {
    this.offs.push(
      this.api.vault.on('importFinished', (s) => void this.pullSamples(s.importId).catch((e) => this.fail(e))),
      this.api.cycle.on('queueReady', (q) => void this.pullQueue(q).catch((e) => this.fail(e))),
    );
    void this.pullSamples()
      .then(() => this.pullQueue())
      .then(() => this.recoverLabels())
      .catch((e) => this.fail(e));
    this.timer = setInterval(() => void this.drain(), DRAIN_INTERVAL_MS);
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    if (this.timer) clearInterval(this.timer);
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  snapshot = (): SyncState => this.state;

  private set(patch: Partial<SyncState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  private fail(err: unknown): void {
    this.set({ lastError: err instanceof Error ? err.message : String(err) });
  }

  /** Copies vault samples (all, or one import's) into the workspace. */
  async pullSamples(importId?: ImportId): Promise<number> {
    let offset = 0;
    let added = 0;
    for (;;) {
      const page = await this.api.vault.listSamples(importId ? { offset, limit: PAGE, importId } : { offset, limit: PAGE });
      added += await upsertSamples(this.db, page.items, await nextSeq(this.db));
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) return added;
    }
  }

  /** Stores the current query (fetching any samples the workspace has not seen yet). */
  async pullQueue(queue?: Queue): Promise<void> {
    const q = queue ?? (await this.api.cycle.getQueue(undefined));
    const missing = await missingSamples(this.db, q.items.map((i) => i.sampleId));
    for (let i = 0; i < missing.length; i += PAGE) {
      const ids = missing.slice(i, i + PAGE).map((id) => SampleIdSchema.parse(id));
      const page = await this.api.vault.listSamples({ offset: 0, limit: PAGE, ids });
      await upsertSamples(this.db, page.items, await nextSeq(this.db));
    }
    await applyQueue(this.db, q);
  }

  /**
   * Takes back the labels the client node holds that this workspace lacks (once per start;
   * retried after a failure). Samples they name that the workspace has not seen are fetched.
   */
  recoverLabels(): Promise<void> {
    this.recovered ??= this.doRecover().catch((err: unknown) => {
      this.recovered = null;
      throw err;
    });
    return this.recovered;
  }

  private async doRecover(): Promise<void> {
    const labels = await this.api.cycle.getLabels(undefined);
    const missing = await missingSamples(this.db, labels.map((l) => l.sampleId));
    for (let i = 0; i < missing.length; i += PAGE) {
      const ids = missing.slice(i, i + PAGE).map((id) => SampleIdSchema.parse(id));
      const page = await this.api.vault.listSamples({ offset: 0, limit: PAGE, ids });
      await upsertSamples(this.db, page.items, await nextSeq(this.db));
    }
    await restoreNodeLabels(this.db, labels);
    const excluded = await this.api.cycle.getExclusions(undefined);
    if (excluded.length > 0) await restoreNodeExclusions(this.db, excluded, RECOVERED_ANNOTATOR);
    await restoreNodeReadings(this.db, await this.api.cycle.getReadings(undefined));
  }

  /** Hands main the whole labeled set if anything is waiting (or always when `final`). */
  drain(final = false): Promise<void> {
    if (this.draining) return final ? this.draining.then(() => this.drain(true)) : this.draining;
    this.draining = this.doDrain(final).finally(() => (this.draining = null));
    return this.draining;
  }

  private async doDrain(final: boolean): Promise<void> {
    const pending = await this.db.outbox.where('state').anyOf('pending', 'failed').toArray();
    if (pending.length === 0 && !final) return;
    const upTo = Math.max(0, ...pending.map((p) => p.seq ?? 0));
    this.set({ syncing: true });
    try {
      // Never hand over a set that lacks labels only the node still has.
      await this.recoverLabels();
      // Readers who disagree: the label waits for adjudication before it trains anything.
      const withheld = await withheldFromTraining(this.db);
      const labels = (await this.db.labels.toArray()).flatMap((l) => {
        const id = SampleIdSchema.safeParse(l.sampleId);
        return id.success && !withheld.has(l.sampleId) ? [{ sampleId: id.data, label: l.classIndex }] : [];
      });
      const readings = await readingsOf(this.db);
      const excluded = (await this.db.exclusions.toArray()).flatMap((e) => {
        const id = SampleIdSchema.safeParse(e.sampleId);
        return id.success ? [{ sampleId: id.data, reason: e.reason, ...(e.detail ? { detail: e.detail } : {}) }] : [];
      });
      const res = await this.api.cycle.submitLabels({ labels, excluded, readings, final });
      const sentAt = new Date().toISOString();
      await this.db.outbox.where('seq').belowOrEqual(upTo).filter((o) => o.state !== 'sent').modify({ state: 'sent', sentAt, lastError: null });
      this.set({ syncing: false, lastSyncAt: sentAt, lastError: null, ignored: res.ignored });
    } catch (err) {
      const message = err instanceof ApiError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
      await this.db.outbox
        .where('seq')
        .belowOrEqual(upTo)
        .filter((o) => o.state !== 'sent')
        .modify((o) => {
          o.state = 'failed';
          o.attempts += 1;
          o.lastError = message;
        });
      this.set({ syncing: false, lastError: message });
      if (final) throw err;
    }
  }
}
