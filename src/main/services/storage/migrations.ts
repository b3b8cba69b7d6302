// Numbered schema migrations of node.sqlite. Append only: never edit one that has shipped.
import type { Migration } from '../../../platform/sqlite';

// Times are ISO strings (what the API shows), counts are integers.

export const NODE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'vault, imports, kv, outbox, cycle tables',
    sql: `
      CREATE TABLE samples (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        source_key TEXT NOT NULL,
        source_path TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('file', 'npz')),
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        file_size INTEGER,
        file_mtime_ms INTEGER,
        source_label INTEGER,
        import_id TEXT NOT NULL,
        imported_at TEXT NOT NULL
      );
      CREATE INDEX samples_source_key ON samples(source_key);
      CREATE INDEX samples_import ON samples(import_id);
      CREATE TABLE tensors (
        sample_id TEXT NOT NULL,
        shape TEXT NOT NULL,
        slot INTEGER NOT NULL,
        PRIMARY KEY (sample_id, shape),
        UNIQUE (shape, slot)
      );
      CREATE TABLE imports (
        id TEXT PRIMARY KEY,
        roots_json TEXT NOT NULL,
        options_json TEXT NOT NULL,
        state TEXT NOT NULL,
        total INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        error TEXT
      );
      CREATE TABLE import_issues (
        import_id TEXT NOT NULL,
        source_key TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('rejected', 'duplicate')),
        reason TEXT,
        detail TEXT,
        sample_id TEXT,
        PRIMARY KEY (import_id, source_key)
      );
      CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE outbox (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        content_type TEXT NOT NULL,
        body BLOB NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        delivered_at TEXT,
        response_json TEXT
      );
      CREATE TABLE predictions (
        sample_id TEXT PRIMARY KEY,
        label INTEGER NOT NULL,
        probs_json TEXT NOT NULL
      );
      CREATE INDEX predictions_label ON predictions(label);
      CREATE TABLE queue_items (
        sample_id TEXT PRIMARY KEY,
        rank INTEGER NOT NULL,
        reason_json TEXT NOT NULL
      );
      CREATE TABLE labels (
        sample_id TEXT PRIMARY KEY,
        label INTEGER NOT NULL
      );
      CREATE TABLE cycle_metrics (
        cycle INTEGER PRIMARY KEY,
        json TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'display media built after the import',
    // A sample whose preview and thumbnail are still to be made from its staged source bytes.
    // 'failed' rows stay so the reason can be shown; a finished build deletes its row.
    sql: `
      CREATE TABLE pending_media (
        sample_id TEXT PRIMARY KEY,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT
      );
    `,
  },
  {
    version: 3,
    name: 'images excluded from the study (issue 17)',
    // Out of the study with the clinician's reason: never queried, never trained on, never
    // counted; the renderer sends the whole set with the labels, so a restore deletes the row.
    sql: `
      CREATE TABLE exclusions (
        sample_id TEXT PRIMARY KEY,
        reason TEXT NOT NULL CHECK (reason IN ('wrong-modality', 'not-assessable', 'poor-quality', 'duplicate', 'other')),
        detail TEXT
      );
    `,
  },
  {
    version: 4,
    name: 'import review: modality guard and near-duplicates (issue 17)',
    // One row per finding of an import's check. A 'held' modality finding keeps the image out of
    // the pool until the clinician keeps it or excludes it; 'reported' findings change nothing.
    sql: `
      CREATE TABLE import_review (
        import_id TEXT NOT NULL,
        sample_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('modality', 'near-duplicate')),
        distance REAL NOT NULL,
        match_id TEXT,
        state TEXT NOT NULL CHECK (state IN ('held', 'kept', 'excluded', 'reported')),
        PRIMARY KEY (import_id, sample_id, kind)
      );
      CREATE INDEX import_review_state ON import_review(state);
      -- Each image's 64-bit perceptual hash (two 32-bit halves), made once: a later import
      -- compares its new images with these instead of re-reading every earlier image.
      CREATE TABLE sample_hashes (
        sample_id TEXT PRIMARY KEY,
        hi INTEGER NOT NULL,
        lo INTEGER NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'second readings and adjudications (issue 17)',
    // Kept for the record and for recovery; the labels table already holds the set that trains
    // (the renderer withholds images whose readers disagree until adjudicated).
    sql: `
      CREATE TABLE readings (
        sample_id TEXT NOT NULL,
        reader TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('first', 'second')),
        label INTEGER,
        at TEXT NOT NULL,
        PRIMARY KEY (sample_id, reader)
      );
      CREATE TABLE adjudications (
        sample_id TEXT PRIMARY KEY,
        label INTEGER NOT NULL,
        adjudicator TEXT NOT NULL,
        at TEXT NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'cached backbone features (issue 16)',
    // One row per image and backbone (sha256): its slot in that backbone's features file.
    // A changed backbone has another sha256, so stale features are never read; they are dropped.
    sql: `
      CREATE TABLE features (
        sample_id TEXT NOT NULL,
        backbone TEXT NOT NULL,
        slot INTEGER NOT NULL,
        PRIMARY KEY (sample_id, backbone)
      );
    `,
  },
];
