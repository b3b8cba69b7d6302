// The annotator's IndexedDB: the one place labels live first. Everything the UI shows about
// labels comes from here; main learns about them through the outbox.
import { Dexie, type Table } from 'dexie';
import { MIGRATIONS } from './migrations';
import type { AdjudicationRow, ExclusionRow, LabelHistoryRow, ReadRow, LabelRow, NoteRow, OutboxRow, QueueRow, SampleRow, SessionRow, SettingRow } from './rows';

export const DEFAULT_DB_NAME = 'fairfal-annotator';

export class AnnotatorDb extends Dexie {
  samples!: Table<SampleRow, string>;
  labels!: Table<LabelRow, string>;
  labelHistory!: Table<LabelHistoryRow, number>;
  queue!: Table<QueueRow, [number, string]>;
  sessions!: Table<SessionRow, number>;
  outbox!: Table<OutboxRow, number>;
  settings!: Table<SettingRow, string>;
  notes!: Table<NoteRow, string>;
  exclusions!: Table<ExclusionRow, string>;
  reads!: Table<ReadRow, [string, string]>;
  adjudications!: Table<AdjudicationRow, string>;

  /** `upTo` is for migration tests: open the schema as it was at that version. */
  constructor(name = DEFAULT_DB_NAME, upTo = Number.POSITIVE_INFINITY) {
    super(name);
    for (const m of MIGRATIONS) {
      if (m.version > upTo) break;
      const v = this.version(m.version).stores(m.stores);
      if (m.upgrade) v.upgrade(m.upgrade);
    }
  }
}
