// Row types of the annotator's IndexedDB (Dexie). Sample ids are the vault's content hashes,
// so a sample keeps its identity across re-imports and between renderer and main.

export type SampleStatus = 'unlabeled' | 'queued' | 'labeled' | 'unsure';

export interface SampleRow {
  id: string;
  fileName: string;
  /** URL main serves the display preview at (longest side 1024). */
  previewUrl: string | null;
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

export interface QueueReason {
  /** Class the prototypes assigned (FairFAL pseudo-label), -1 when the strategy has none. */
  pseudoLabel: number;
  /** Normalised entropy of the query model, 0..1. */
  uncertainty: number | null;
  /** Which model scored uncertainty: 'global' | 'local' | strategy-specific text. */
  queryModel: string | null;
  /** 1-based rank within this client's query. */
  rank: number;
  /** Distance to the nearest already chosen/labeled sample in the k-center stage. */
  kCenterDistance: number | null;
  strategy: string | null;
}

export type QueueItemState = 'pending' | 'labeled' | 'unsure' | 'skipped';

export interface QueueRow {
  cycle: number;
  sampleId: string;
  rank: number;
  reason: QueueReason;
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

export type OutboxKind = 'label' | 'unsure' | 'clear';
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
