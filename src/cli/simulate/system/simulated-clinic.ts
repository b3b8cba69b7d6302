// One simulated clinic: a real client node (vault, federation link, cycle orchestrator,
// engine), headless, in its own data folder, with its partition of an .npz archive imported
// and an oracle annotator that answers every queue from the archive's ground-truth labels.
import path from 'node:path';
import { createClientNode, type ClientNode } from '../../../main/services/client-node';
import { taskFromFederation } from '../../../main/services/api/federation-api';
import type { Trainer } from '../../../engine/trainer';
import type { EvaluationSet } from '../../../main/services/cycle/orchestrator';
import type { QueryStateEvent } from '../../../main/services/cycle/cycle-runtime';
import { ApiEventBus } from '../../../main/services/event-bus';
import { FileSecretStore } from '../../../main/services/federation/secret-store';
import { webMediaUrl } from '../../../main/services/vault/media-store';
import type { Queue, CycleStatus } from '../../../shared/api';

export interface ClinicSpec {
  /** MedMNIST-format archive and the split the clinic's images come from. */
  npz: string;
  split: 'train' | 'val' | 'test';
  /** Indices of the split this clinic holds. */
  indices: readonly number[];
  /** Indices (a subset of `indices`) labeled before the first cycle. */
  initialLabeled: readonly number[];
}

/** A queue the oracle answered, in archive indices as well as sample ids. */
export interface AnsweredQueue {
  clinic: number;
  cycle: number;
  sampleIds: string[];
  indices: number[];
  labels: number[];
  /** The strategy's account of the query (FairFAL: gamma_k, d_k, s_k, the query model, local-only epochs). */
  details: Queue['details'];
}

export interface ClinicOptions {
  index: number;
  dataDir: string;
  spec: ClinicSpec;
  engine?: Trainer;
  fetchImpl?: typeof fetch;
  evaluation?: EvaluationSet;
  localOnlyEpochs?: number;
  longPollMs?: number;
  onQueue?: (q: AnsweredQueue) => void;
  onStatus?: (s: CycleStatus) => void;
  onQueryState?: (s: QueryStateEvent) => void;
  log?: (line: string) => void;
}

export class SimulatedClinic {
  readonly node: ClientNode;
  private readonly events = new ApiEventBus();
  private readonly indexOfSample = new Map<string, number>();
  private finishedResolve: (() => void) | null = null;
  private failure: Error | null = null;
  readonly finished: Promise<void>;

  constructor(private readonly o: ClinicOptions) {
    this.node = createClientNode({
      dataDir: o.dataDir,
      events: this.events,
      // On disk in the clinic's folder, so a resumed simulation reconnects as the same client.
      secrets: new FileSecretStore(path.join(o.dataDir, 'secrets')),
      mediaUrl: webMediaUrl,
      backgroundMedia: false,
      // One at a time: the vault's sample order (the pool's index order) then follows the archive.
      importConcurrency: 1,
      seedKey: `clinic-${o.index}`,
      // A simulated clinic's only failure is an interrupted run: no fsync per commit.
      durability: 'process-crash',
      ...(o.engine ? { engine: o.engine } : {}),
      ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}),
      ...(o.evaluation ? { evaluation: () => o.evaluation ?? null } : {}),
      ...(o.localOnlyEpochs !== undefined ? { localOnlyEpochs: o.localOnlyEpochs } : {}),
      ...(o.longPollMs !== undefined ? { longPollMs: o.longPollMs } : {}),
      ...(o.log ? { log: o.log } : {}),
      ...(o.onQueryState ? { onQueryState: o.onQueryState } : {}),
    });
    this.finished = new Promise<void>((resolve) => (this.finishedResolve = resolve));
    this.events.listen((service, event, payload) => {
      if (service !== 'cycle') return;
      if (event === 'queueReady') setImmediate(() => this.answer(payload as Queue));
      if (event === 'statusChanged') {
        const s = payload as CycleStatus;
        o.onStatus?.(s);
        if (s.step === 'finished') this.finishedResolve?.();
        if (s.step === 'error') {
          this.failure = new Error(`clinic ${o.index}: ${s.message}`);
          this.finishedResolve?.();
        }
      }
    });
  }

  /** Imports the clinic's partition (archive order) and indexes its sample ids. */
  async importImages(): Promise<void> {
    const { spec } = this.o;
    const job = this.node.vault.startImport([spec.npz], { npzSplits: [spec.split], npzIndices: [...spec.indices] });
    const end = await job.done;
    if (end.state !== 'finished') throw new Error(`clinic ${this.o.index}: import ${end.state}`);
    // The import checks run as in the headless client: flag and report, never hold back.
    const review = this.node.vault.review.get(end.importId);
    if (review.modality.unlike.length > 0 || review.nearDuplicates.length > 0) {
      this.o.log?.(`clinic ${this.o.index}: import check reported ${review.modality.unlike.length} images unlike the clinic's others and ${review.nearDuplicates.length} near-duplicates (nothing held back or merged)`);
    }
    this.indexSamples();
  }

  /** A clinic reopened from its folder: its node resumes where it stopped, a waiting queue is answered. */
  async resume(): Promise<void> {
    this.indexSamples();
    await this.node.resume();
    const s = this.node.orchestrator.state();
    if (s.step === 'labeling') setImmediate(() => this.answer(this.node.orchestrator.queue()));
    if (s.step === 'finished') this.finishedResolve?.();
  }

  get index(): number {
    return this.o.index;
  }

  /** The archive index of a sample of this clinic (-1: not from its archive). */
  archiveIndex(sampleId: string): number {
    return this.indexOfSample.get(sampleId) ?? -1;
  }

  /** The archive index of every sample of this clinic's vault. */
  private indexSamples(): void {
    const { spec } = this.o;
    const prefix = `${path.basename(spec.npz)}#${spec.split}/`;
    for (const row of this.node.vault.index.getSamples(this.node.vault.index.allIds())) {
      if (row.name.startsWith(prefix)) this.indexOfSample.set(row.id, Number(row.name.slice(prefix.length)));
    }
  }

  /** Enrols (the product's link), takes the federation's plan, labels the start set, then follows the server. */
  async join(serverUrl: string, code: string): Promise<void> {
    const e = await this.node.link.enrol(serverUrl, code, `clinic ${this.o.index}`);
    await this.node.orchestrator.configure('federated', taskFromFederation(e.federation));
    const start = new Set(this.o.spec.initialLabeled);
    const ids = [...this.indexOfSample].filter(([, i]) => start.has(i)).map(([id]) => id);
    this.node.orchestrator.submitLabels(this.oracle(ids), false);
    this.node.orchestrator.start();
  }

  /** Resolves when the federation has finished for this clinic; rejects on a step error. */
  async done(): Promise<void> {
    await this.finished;
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    await this.node.close();
  }

  private oracle(ids: readonly string[]): { sampleId: string; label: number }[] {
    const C = this.node.orchestrator.task()?.classNames.length ?? 0;
    return this.node.vault.index
      .getSamples(ids)
      .filter((r) => r.source_label !== null && r.source_label < C)
      .map((r) => ({ sampleId: r.id, label: r.source_label as number }));
  }

  /** The annotator: the queue's true labels, added to all labels so far, submitted as final. */
  private answer(q: Queue): void {
    const answered = this.oracle(q.items.map((i) => i.sampleId));
    this.o.onQueue?.({
      clinic: this.o.index,
      cycle: q.cycle,
      sampleIds: q.items.map((i) => i.sampleId),
      indices: q.items.map((i) => this.indexOfSample.get(i.sampleId) ?? -1),
      labels: answered.map((a) => a.label),
      details: q.details,
    });
    const all = this.node.orchestrator.labels();
    for (const l of answered) all.set(l.sampleId, l.label);
    this.node.orchestrator.submitLabels([...all].map(([sampleId, label]) => ({ sampleId, label })), true);
  }
}
