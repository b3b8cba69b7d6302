// The vault's rows in node.sqlite: samples, import journal and per-import issues. Every read
// that comes from disk is validated into the API's shapes by the caller (vault.ts).
import type Database from 'better-sqlite3';
import type { Db } from '../storage/node-db';

export interface SampleRow {
  seq: number;
  id: string;
  name: string;
  source_key: string;
  source_path: string;
  source: 'file' | 'npz';
  width: number;
  height: number;
  source_label: number | null;
  import_id: string;
  imported_at: string;
}

export interface ImportRow {
  id: string;
  roots_json: string;
  options_json: string;
  state: string;
  total: number;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

export interface SampleFilter {
  ids?: readonly string[];
  queued?: boolean;
  predictedClass?: number;
  nameContains?: string;
  importId?: string;
}

export interface NewSample {
  id: string;
  importId: string;
  width: number;
  height: number;
  importedAt: string;
  meta: {
    name: string;
    sourceKey: string;
    sourcePath: string;
    source: 'file' | 'npz';
    fileSize: number | null;
    fileMtimeMs: number | null;
    sourceLabel: number | null;
  };
}

const BATCH_MAX = 64;
const BATCH_MS = 200;

interface PendingSample {
  s: NewSample;
  alsoInTx: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class VaultIndex {
  private readonly pending = new Map<string, PendingSample>();
  private readonly pendingIssues: { row: [string, string, string, string | null, string | null, string | null]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Runs before a batch of samples commits: whatever the rows will point at must be on disk first. */
  beforeCommit: (() => void) | null = null;
  private readonly hasSampleStmt: Database.Statement<unknown[]>;

  constructor(private readonly db: Db) {
    this.hasSampleStmt = db.prepare('SELECT 1 FROM samples WHERE id = ?');
  }

  createImport(id: string, roots: readonly string[], optionsJson: string, startedAt: string): void {
    this.db
      .prepare("INSERT INTO imports (id, roots_json, options_json, state, started_at) VALUES (?, ?, ?, 'scanning', ?)")
      .run(id, JSON.stringify(roots), optionsJson, startedAt);
  }

  getImport(id: string): ImportRow | null {
    return (this.db.prepare('SELECT * FROM imports WHERE id = ?').get(id) as ImportRow | undefined) ?? null;
  }

  listImports(limit = 50): ImportRow[] {
    return this.db.prepare('SELECT * FROM imports ORDER BY started_at DESC, rowid DESC LIMIT ?').all(limit) as ImportRow[];
  }

  setImportState(id: string, state: string, total: number, finishedAt: string | null, error: string | null): void {
    this.db.prepare('UPDATE imports SET state = ?, total = ?, finished_at = ?, error = ? WHERE id = ?').run(state, total, finishedAt, error, id);
  }

  /** After a restart: imports that were running when the process died. */
  markInterrupted(): string[] {
    const rows = this.db.prepare("SELECT id FROM imports WHERE state IN ('scanning', 'running')").all() as { id: string }[];
    this.db.prepare("UPDATE imports SET state = 'interrupted' WHERE state IN ('scanning', 'running')").run();
    return rows.map((r) => r.id);
  }

  importCounts(id: string): { imported: number; duplicates: number; rejected: number; otherFiles: number } {
    const imported = (this.db.prepare('SELECT COUNT(*) AS n FROM samples WHERE import_id = ?').get(id) as { n: number }).n;
    const issues = this.db
      .prepare("SELECT CASE WHEN reason = 'not-an-image' THEN 'other' ELSE kind END AS k, COUNT(*) AS n FROM import_issues WHERE import_id = ? GROUP BY k")
      .all(id) as { k: string; n: number }[];
    const by = (k: string) => issues.find((r) => r.k === k)?.n ?? 0;
    return { imported, duplicates: by('duplicate'), rejected: by('rejected'), otherFiles: by('other') };
  }

  /** Source keys this import already settled (imported, duplicate or rejected). */
  settledKeys(id: string): Set<string> {
    const a = this.db.prepare('SELECT source_key AS k FROM samples WHERE import_id = ?').all(id) as { k: string }[];
    const b = this.db.prepare('SELECT source_key AS k FROM import_issues WHERE import_id = ?').all(id) as { k: string }[];
    return new Set([...a, ...b].map((r) => r.k));
  }

  issues(id: string, kind: 'rejected' | 'duplicate', limit = 10_000): { source_key: string; reason: string | null; detail: string | null; sample_id: string | null }[] {
    return this.db
      .prepare('SELECT source_key, reason, detail, sample_id FROM import_issues WHERE import_id = ? AND kind = ? ORDER BY rowid LIMIT ?')
      .all(id, kind, limit) as { source_key: string; reason: string | null; detail: string | null; sample_id: string | null }[];
  }

  /** Queued like samples (same batch, same commit). */
  insertIssue(importId: string, key: string, kind: 'rejected' | 'duplicate', reason: string | null, detail: string | null, sampleId: string | null): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingIssues.push({ row: [importId, key, kind, reason, detail, sampleId], resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.pending.size + this.pendingIssues.length >= BATCH_MAX) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  hasSample(id: string): boolean {
    return this.pending.has(id) || this.hasSampleStmt.get(id) !== undefined;
  }

  /**
   * Queues a sample (and whatever `alsoInTx` records, its tensor slot) for the next batch
   * commit. One fsync per batch instead of per image: a crash loses at most the last batch,
   * which a resumed import simply redoes. Resolves when the batch is committed.
   */
  insertSample(s: NewSample, alsoInTx: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.set(s.id, { s, alsoInTx, resolve, reject });
      this.schedule();
    });
  }

  /** Commits every queued sample now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = [...this.pending.values()];
    const issues = this.pendingIssues.splice(0);
    if (batch.length === 0 && issues.length === 0) return;
    const insertIssue = this.db.prepare(
      'INSERT OR IGNORE INTO import_issues (import_id, source_key, kind, reason, detail, sample_id) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const insert = this.db.prepare(
      `INSERT INTO samples (id, name, source_key, source_path, source, width, height, file_size, file_mtime_ms, source_label, import_id, imported_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    try {
      if (batch.length > 0) this.beforeCommit?.();
      this.db.transaction(() => {
        for (const { s, alsoInTx } of batch) {
          insert.run(s.id, s.meta.name, s.meta.sourceKey, s.meta.sourcePath, s.meta.source, s.width, s.height, s.meta.fileSize, s.meta.fileMtimeMs, s.meta.sourceLabel, s.importId, s.importedAt);
          alsoInTx();
        }
        for (const i of issues) insertIssue.run(...i.row);
      })();
    } catch (err) {
      for (const b of batch) this.pending.delete(b.s.id);
      for (const b of [...batch, ...issues]) b.reject(err);
      return;
    }
    for (const b of batch) this.pending.delete(b.s.id);
    for (const b of [...batch, ...issues]) b.resolve();
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM samples').get() as { n: number }).n;
  }

  /** All sample ids in import order (the engine's pool order). */
  /** The samples an import added, in order. */
  idsOfImport(importId: string): string[] {
    return (this.db.prepare('SELECT id FROM samples WHERE import_id = ? ORDER BY seq').all(importId) as { id: string }[]).map((r) => r.id);
  }

  allIds(): string[] {
    return (this.db.prepare('SELECT id FROM samples ORDER BY seq').all() as { id: string }[]).map((r) => r.id);
  }

  getSamples(ids: readonly string[]): SampleRow[] {
    const stmt = this.db.prepare('SELECT * FROM samples WHERE id = ?');
    return ids.map((id) => stmt.get(id) as SampleRow | undefined).filter((r): r is SampleRow => r !== undefined);
  }

  page(filter: SampleFilter, offset: number, limit: number): { total: number; rows: (SampleRow & { predicted: number | null; queued: number })[] } {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.ids) {
      if (filter.ids.length === 0) return { total: 0, rows: [] };
      where.push(`s.id IN (${filter.ids.map(() => '?').join(',')})`);
      args.push(...filter.ids);
    }
    if (filter.queued !== undefined) where.push(filter.queued ? 'q.sample_id IS NOT NULL' : 'q.sample_id IS NULL');
    if (filter.predictedClass !== undefined) {
      where.push('p.label = ?');
      args.push(filter.predictedClass);
    }
    if (filter.nameContains) {
      where.push("s.name LIKE ? ESCAPE '\\'");
      args.push(`%${filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (filter.importId) {
      where.push('s.import_id = ?');
      args.push(filter.importId);
    }
    const from = 'FROM samples s LEFT JOIN predictions p ON p.sample_id = s.id LEFT JOIN queue_items q ON q.sample_id = s.id';
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n ${from} ${w}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT s.*, p.label AS predicted, (q.sample_id IS NOT NULL) AS queued ${from} ${w} ORDER BY s.seq LIMIT ? OFFSET ?`)
      .all(...args, limit, offset) as (SampleRow & { predicted: number | null; queued: number })[];
    return { total, rows };
  }
}
