// The `pending_media` rows (migration 2): samples whose preview and thumbnail are still to be
// built, and those whose build failed for good, with the reason.
import type { Db } from '../storage/node-db';

export type PendingState = 'pending' | 'failed';

export class PendingMedia {
  // Prepared once: counts() and next() run on every progress report and every worker stop.
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      add: db.prepare('INSERT OR REPLACE INTO pending_media (sample_id) VALUES (?)'),
      state: db.prepare('SELECT state, error FROM pending_media WHERE sample_id = ?'),
      next: db.prepare("SELECT sample_id AS id FROM pending_media WHERE state = 'pending' ORDER BY attempts, rowid LIMIT ?"),
      done: db.prepare('DELETE FROM pending_media WHERE sample_id = ?'),
      fail: db.prepare("UPDATE pending_media SET state = 'failed', attempts = attempts + 1, error = ? WHERE sample_id = ?"),
      retry: db.prepare("UPDATE pending_media SET state = 'pending', attempts = 0, error = NULL WHERE sample_id = ?"),
      retryLater: db.prepare(
        "UPDATE pending_media SET attempts = attempts + 1, error = ?, state = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE state END WHERE sample_id = ?",
      ),
      counts: db.prepare('SELECT state, COUNT(*) AS n FROM pending_media GROUP BY state'),
      failures: db.prepare(
        "SELECT p.sample_id, p.error, s.name FROM pending_media p LEFT JOIN samples s ON s.id = p.sample_id WHERE p.state = 'failed' ORDER BY p.rowid DESC LIMIT ?",
      ),
    };
  }

  /** Called inside the sample's insert transaction. */
  add(sampleId: string): void {
    this.stmt.add.run(sampleId);
  }

  /** null: nothing pending, the media are built (or the sample does not exist). */
  stateOf(sampleId: string): { state: PendingState; error: string | null } | null {
    return (this.stmt.state.get(sampleId) as { state: PendingState; error: string | null } | undefined) ?? null;
  }

  /** Up to `limit` samples still to build, fewest tries first then oldest, skipping `exclude`. */
  next(limit: number, exclude: ReadonlySet<string>): string[] {
    const rows = this.stmt.next.all(limit + exclude.size) as { id: string }[];
    return rows.map((r) => r.id).filter((id) => !exclude.has(id)).slice(0, limit);
  }

  isWanted(sampleId: string): boolean {
    return this.stateOf(sampleId)?.state === 'pending';
  }

  done(sampleId: string): void {
    this.stmt.done.run(sampleId);
  }

  /** A build that will not work however often it is tried (the image cannot be decoded, the source is gone). */
  fail(sampleId: string, error: string): void {
    this.stmt.fail.run(error, sampleId);
  }

  /** A failed build gets another chance (its source was imported again). */
  retry(sampleId: string): void {
    this.stmt.retry.run(sampleId);
  }

  /**
   * A build that may work later (disk full, I/O error): stays pending with the error kept for the
   * UI, and goes behind the rows tried fewer times; after `maxAttempts` tries it is failed.
   */
  retryLater(sampleId: string, error: string, maxAttempts: number): void {
    this.stmt.retryLater.run(error, maxAttempts, sampleId);
  }

  counts(): { pending: number; failed: number } {
    const rows = this.stmt.counts.all() as { state: PendingState; n: number }[];
    return { pending: rows.find((r) => r.state === 'pending')?.n ?? 0, failed: rows.find((r) => r.state === 'failed')?.n ?? 0 };
  }

  /** The most recent failure reasons, for the UI. */
  failures(limit: number): { sampleId: string; name: string; error: string }[] {
    const rows = this.stmt.failures.all(limit) as { sample_id: string; error: string | null; name: string | null }[];
    return rows.map((r) => ({ sampleId: r.sample_id, name: r.name ?? r.sample_id, error: r.error ?? 'unknown error' }));
  }
}
