// Everything the cycle persists in node.sqlite: the state machine's current state, the task
// definition, the queue with reasons, the labeled set main last received, predictions and
// per-cycle metrics. Reads are validated (the database is a boundary too).
import { z } from 'zod';
import {
  CycleMetricsSchema,
  CycleStepSchema,
  QueueReasonSchema,
  SampleIdSchema,
  FederationPlanSchema,
  type CycleMetrics,
  type Queue,
  type QueueItem,
  type FederationPlan,
  type ExclusionEntry,
  type Readings,
} from '../../../shared/api';
import { KvCell, type Db } from '../storage/node-db';
import { ClientControlStore } from './scaffold-state';

export const CycleStateSchema = z.object({
  mode: z.enum(['none', 'federated', 'standalone']),
  step: CycleStepSchema,
  cycle: z.number().int().nonnegative(),
  round: z.number().int().nonnegative().nullable(),
  roundsPerCycle: z.number().int().positive().nullable(),
  message: z.string(),
  budget: z.number().int().nonnegative(),
  /** Hash (sha256 of the float32 blob) of the model behind predictions and export. */
  modelHash: z.string().nullable(),
  /** FairFAL's gamma_bar as the server sent it (federated). */
  gammaBar: z.number().nullable(),
  /**
   * Federated: the cycle whose queue came from the server's query-and-label task (its labeling
   * phase). A random start set chosen during training has none: its labels feed the next
   * training round, and no ready report may be sent for it.
   */
  labelingCycle: z.number().int().nonnegative().nullable().default(null),
  /** The last round this client trained for, with its cycle (its held-out figures are that round's, when shared). */
  lastRound: z.object({ cycle: z.number().int().nonnegative(), roundId: z.number().int().positive() }).nullable().default(null),
  updatedAt: z.string(),
});
export type CycleState = z.infer<typeof CycleStateSchema>;

const QueueMetaSchema = z.object({
  cycle: z.number().int().nonnegative(),
  createdAt: z.string(),
  budget: z.number().int().nonnegative(),
  details: z.record(z.string(), z.union([z.number(), z.string(), z.array(z.number())])),
});

const PredictionRowSchema = z.object({ label: z.number().int().nonnegative(), probs: z.array(z.number()) });

export function initialState(now: string): CycleState {
  return { mode: 'none', step: 'idle', cycle: 0, round: null, roundsPerCycle: null, message: 'Join a federation or work standalone', budget: 0, modelHash: null, gammaBar: null, labelingCycle: null, lastRound: null, updatedAt: now };
}

export class CycleStore {
  readonly stateCell: KvCell<typeof CycleStateSchema>;
  readonly taskCell: KvCell<typeof FederationPlanSchema>;
  private readonly queueMeta: KvCell<typeof QueueMetaSchema>;
  /** SCAFFOLD's client control variate (federated SCAFFOLD only). */
  readonly scaffold: ClientControlStore;

  constructor(private readonly db: Db) {
    this.scaffold = new ClientControlStore(db);
    this.stateCell = new KvCell(db, 'cycle.state', CycleStateSchema);
    this.taskCell = new KvCell(db, 'cycle.task', FederationPlanSchema);
    this.queueMeta = new KvCell(db, 'cycle.queue', QueueMetaSchema);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  task(): FederationPlan | null {
    return this.taskCell.get();
  }

  /** Replaces the labeled set and, when given, the excluded set (the renderer sends both whole). */
  setLabels(labels: readonly { sampleId: string; label: number }[], excluded?: readonly ExclusionEntry[]): void {
    const insert = this.db.prepare('INSERT OR REPLACE INTO labels (sample_id, label) VALUES (?, ?)');
    const exclude = this.db.prepare('INSERT OR REPLACE INTO exclusions (sample_id, reason, detail) VALUES (?, ?, ?)');
    this.transaction(() => {
      this.db.prepare('DELETE FROM labels').run();
      for (const l of labels) insert.run(l.sampleId, l.label);
      if (excluded) {
        this.db.prepare('DELETE FROM exclusions').run();
        for (const e of excluded) exclude.run(e.sampleId, e.reason, e.detail ?? null);
      }
    });
  }

  /** Replaces the second readings and adjudications (the renderer sends them whole). */
  setReadings(r: Readings): void {
    const read = this.db.prepare('INSERT OR REPLACE INTO readings (sample_id, reader, role, label, at) VALUES (?, ?, ?, ?, ?)');
    const adj = this.db.prepare('INSERT OR REPLACE INTO adjudications (sample_id, label, adjudicator, at) VALUES (?, ?, ?, ?)');
    this.transaction(() => {
      this.db.prepare('DELETE FROM readings').run();
      this.db.prepare('DELETE FROM adjudications').run();
      for (const x of r.reads) read.run(x.sampleId, x.reader, x.role, x.label, x.at);
      for (const x of r.adjudications) adj.run(x.sampleId, x.label, x.adjudicator, x.at);
    });
  }

  readings(): Readings {
    const reads = this.db.prepare('SELECT sample_id, reader, role, label, at FROM readings ORDER BY at').all() as { sample_id: string; reader: string; role: 'first' | 'second'; label: number | null; at: string }[];
    const adjs = this.db.prepare('SELECT sample_id, label, adjudicator, at FROM adjudications ORDER BY at').all() as { sample_id: string; label: number; adjudicator: string; at: string }[];
    return {
      reads: reads.map((r) => ({ sampleId: SampleIdSchema.parse(r.sample_id), reader: r.reader, role: r.role, label: r.label, at: r.at })),
      adjudications: adjs.map((a) => ({ sampleId: SampleIdSchema.parse(a.sample_id), label: a.label, adjudicator: a.adjudicator, at: a.at })),
    };
  }

  /** Images out of the study, with the clinician's reason. */
  exclusions(): Map<string, Omit<ExclusionEntry, 'sampleId'>> {
    const rows = this.db.prepare('SELECT sample_id, reason, detail FROM exclusions').all() as { sample_id: string; reason: ExclusionEntry['reason']; detail: string | null }[];
    return new Map(rows.map((r) => [r.sample_id, r.detail === null ? { reason: r.reason } : { reason: r.reason, detail: r.detail }]));
  }

  labels(): Map<string, number> {
    const rows = this.db.prepare('SELECT sample_id, label FROM labels').all() as { sample_id: string; label: number }[];
    return new Map(rows.map((r) => [r.sample_id, r.label]));
  }

  /** Labels of images still in the study. */
  labelCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM labels WHERE sample_id NOT IN (SELECT sample_id FROM exclusions)').get() as { n: number }).n;
  }

  /** Queued images the annotator has dealt with: labeled, or taken out of the study. */
  queuedLabeledCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM queue_items q WHERE q.sample_id IN (SELECT sample_id FROM labels) OR q.sample_id IN (SELECT sample_id FROM exclusions)').get() as { n: number }).n;
  }

  /** Stores a new queue (replacing the last one) together with the pool predictions and the new state. */
  saveQueue(queue: Queue, predictions: { sampleId: string; label: number; probs: number[] }[], state: CycleState): void {
    const insertQ = this.db.prepare('INSERT INTO queue_items (sample_id, rank, reason_json) VALUES (?, ?, ?)');
    const insertP = this.db.prepare('INSERT OR REPLACE INTO predictions (sample_id, label, probs_json) VALUES (?, ?, ?)');
    this.transaction(() => {
      this.db.prepare('DELETE FROM queue_items').run();
      for (const item of queue.items) insertQ.run(item.sampleId, item.reason.rank, JSON.stringify({ reason: item.reason, prediction: item.prediction }));
      for (const p of predictions) insertP.run(p.sampleId, p.label, JSON.stringify(p.probs));
      this.queueMeta.set({ cycle: queue.cycle, createdAt: queue.createdAt, budget: queue.budget, details: queue.details });
      this.stateCell.set(state);
    });
  }

  queue(): Queue | null {
    const meta = this.queueMeta.get();
    if (!meta) return null;
    const rows = this.db.prepare('SELECT sample_id, reason_json FROM queue_items ORDER BY rank').all() as { sample_id: string; reason_json: string }[];
    const ItemJson = z.object({ reason: QueueReasonSchema, prediction: PredictionRowSchema });
    const items: QueueItem[] = rows.map((r) => {
      const j = ItemJson.parse(JSON.parse(r.reason_json));
      return { sampleId: SampleIdSchema.parse(r.sample_id), reason: j.reason, prediction: j.prediction };
    });
    return { ...meta, items };
  }

  clearQueue(): void {
    this.transaction(() => {
      this.db.prepare('DELETE FROM queue_items').run();
      this.queueMeta.delete();
    });
  }

  saveMetrics(m: CycleMetrics): void {
    this.db.prepare('INSERT OR REPLACE INTO cycle_metrics (cycle, json) VALUES (?, ?)').run(m.cycle, JSON.stringify(CycleMetricsSchema.parse(m)));
  }

  hasMetrics(cycle: number): boolean {
    return this.db.prepare('SELECT 1 FROM cycle_metrics WHERE cycle = ?').get(cycle) !== undefined;
  }

  metrics(): CycleMetrics[] {
    const rows = this.db.prepare('SELECT json FROM cycle_metrics ORDER BY cycle').all() as { json: string }[];
    return rows.map((r) => CycleMetricsSchema.parse(JSON.parse(r.json)));
  }

  /** Leaving a federation: the queue, predictions, metrics and state go; labels stay with the renderer. */
  reset(state: CycleState): void {
    this.transaction(() => {
      this.db.prepare('DELETE FROM queue_items').run();
      this.db.prepare('DELETE FROM predictions').run();
      this.db.prepare('DELETE FROM cycle_metrics').run();
      this.queueMeta.delete();
      this.taskCell.delete();
      this.scaffold.clear();
      this.stateCell.set(state);
    });
  }
}
