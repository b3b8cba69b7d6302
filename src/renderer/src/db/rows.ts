// Row types of the annotator's IndexedDB (Dexie). Sample ids are the vault's content hashes,
// so a sample keeps its identity across re-imports and between renderer and main.
import type { ExclusionReason, Prediction, QueueReason } from '../../../shared/api';

export type { QueueReason };

/** 'excluded': taken out of the study (never queried, trained on or counted) until restored. */
export type SampleStatus = 'unlabeled' | 'queued' | 'labeled' | 'unsure' | 'excluded';

export interface SampleRow {
  id: string;
  fileName: string;
  /** URL main serves the display preview at (longest side 1024). */
  previewUrl: string | null;
  /** Gallery thumbnail URL (longest side 192). Not indexed: added without a schema step. */
  thumbnailUrl?: string | null;
  width: number | null;
  height: number | null;
  importedAt: string;
  /** Import order; the gallery sorts by it. */
  seq: number;
  /** Denormalised for fast filtering (index), kept in step by the label writes. */
  status: SampleStatus;
  /** Current class index, -1 when none (IndexedDB cannot index null). */
  labelClass: number;
  /** The current model's prediction, -1 when unknown. */
  predictedClass: number;
  predictedProb: number | null;
}

export interface LabelRow {
  sampleId: string;
  classIndex: number;
  annotator: string;
  labeledAt: string;
  cycle: number;
  /** How many times this sample's label has changed. */
  revision: number;
}

export type LabelHistoryValue = { kind: 'class'; classIndex: number } | { kind: 'unsure' } | null;

export interface LabelHistoryRow {
  id?: number;
  sampleId: string;
  action: 'label' | 'relabel' | 'unsure' | 'undo';
  value: LabelHistoryValue;
  previous: LabelHistoryValue;
  annotator: string;
  at: string;
  sessionId: number | null;
}

export type QueueItemState = 'pending' | 'labeled' | 'unsure' | 'skipped';

export interface QueueRow {
  cycle: number;
  sampleId: string;
  /** 0-based position in the cycle's query: the order the annotator sees. */
  rank: number;
  /** Why the strategy chose it, exactly as main reported it. */
  reason: QueueReason;
  /** The current model's prediction when the query was made. */
  prediction: Prediction | null;
  state: QueueItemState;
  addedAt: string;
}

export interface SessionRow {
  id?: number;
  annotator: string;
  startedAt: string;
  lastActiveAt: string;
  decisions: number;
}

export type OutboxKind = 'label' | 'unsure' | 'clear' | 'exclude' | 'restore';
export type OutboxState = 'pending' | 'sent' | 'failed';

export interface OutboxRow {
  seq?: number;
  kind: OutboxKind;
  sampleId: string;
  classIndex: number;
  annotator: string;
  at: string;
  cycle: number;
  state: OutboxState;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
}

export interface SettingRow {
  key: string;
  value: unknown;
}

/** A clinician's free-text note on an image (one per image; the latest text wins). */
export interface NoteRow {
  sampleId: string;
  text: string;
  annotator: string;
  updatedAt: string;
}

/** An image taken out of the study, with the clinician's reason (issue 17). */
export interface ExclusionRow {
  sampleId: string;
  reason: ExclusionReason;
  /** Free text: which image it duplicates, what "other" means. */
  detail: string | null;
  annotator: string;
  at: string;
  /** The sample's status before, so a restore puts it back exactly. */
  previousStatus: Exclude<SampleStatus, 'excluded'>;
}

/** One reader's call on a doubly-read image (issue 17): the first reader's label, kept as it was
 * when the second reading happened, and the second reader's blind call. null = unsure. */
export interface ReadRow {
  sampleId: string;
  reader: string;
  role: 'first' | 'second';
  classIndex: number | null;
  cycle: number;
  at: string;
}

/** The label that settles a disagreement between two readers. */
export interface AdjudicationRow {
  sampleId: string;
  classIndex: number;
  adjudicator: string;
  at: string;
}
