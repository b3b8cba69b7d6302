// Numbered schema versions of the annotator database. Each step lists its stores and, where
// data must change shape, an upgrade function. Never edit a released step: add the next one.
// Tests open the database at step n with old-shaped data and upgrade it to the latest.
import type { Transaction } from 'dexie';

export interface Migration {
  version: number;
  why: string;
  stores: Record<string, string | null>;
  upgrade?: (tx: Transaction) => Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    why: 'initial workspace: samples, current labels, label history, per-cycle queue, sessions, outbox',
    stores: {
      samples: 'id, seq, status',
      labels: 'sampleId, labeledAt',
      labelHistory: '++id, sampleId, at',
      queue: '[cycle+sampleId], cycle, sampleId, [cycle+rank]',
      sessions: '++id, startedAt',
      outbox: '++seq, sentAt',
    },
  },
  {
    version: 2,
    why: 'gallery filters by label and predicted class over tens of thousands of samples: index them',
    stores: {
      samples: 'id, seq, status, labelClass, predictedClass',
    },
    upgrade: async (tx) => {
      const labels = new Map<string, number>();
      await tx.table('labels').each((l: { sampleId: string; classIndex: number }) => labels.set(l.sampleId, l.classIndex));
      await tx.table('samples').toCollection().modify((s: Record<string, unknown>) => {
        s.labelClass = labels.get(s.id as string) ?? -1;
        if (typeof s.predictedClass !== 'number') s.predictedClass = -1;
        if (s.predictedProb === undefined) s.predictedProb = null;
      });
    },
  },
  {
    version: 3,
    why: 'outbox rows get an explicit delivery state (pending/sent/failed) and retry count; settings move into the database',
    stores: {
      outbox: '++seq, state, sentAt',
      settings: 'key',
    },
    upgrade: async (tx) => {
      await tx.table('outbox').toCollection().modify((o: Record<string, unknown>) => {
        o.state = o.sentAt ? 'sent' : 'pending';
        if (typeof o.attempts !== 'number') o.attempts = 0;
        if (o.lastError === undefined) o.lastError = null;
      });
    },
  },
  {
    version: 4,
    why: 'notes per image (issue 17): what the clinician wants to remember about an image, exported with the labels',
    stores: {
      notes: 'sampleId, updatedAt',
    },
  },
  {
    version: 5,
    why: 'images excluded from the study with a reason (issue 17): they leave the pool, can be restored, and are exported',
    stores: {
      exclusions: 'sampleId, at, reason',
    },
  },
  {
    version: 6,
    why: 'second reader and adjudication (issue 17): each reader\'s call on doubly-read images, and the adjudicated label',
    stores: {
      reads: '[sampleId+reader], sampleId, reader, at',
      adjudications: 'sampleId, at',
    },
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
