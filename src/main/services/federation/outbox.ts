// Reports that must reach the server exactly once, persisted in node.sqlite before any send:
// finished local updates, gamma_k, labels-ready. Each has an idempotency key derived from
// what it reports (`update:<roundId>`, `ready:<cycle>`, ...): enqueueing the same report twice
// stores it once, and a delivered report is never sent again. Delivery retries with
// exponential backoff (1 s doubling to 60 s, with jitter) while the server is unreachable, and
// resumes after a restart from the stored body. The server also deduplicates updates by round
// and client, so a send whose reply was lost is harmless.
import type { Db } from '../storage/node-db';
import { FederationOfflineError, FederationRejectedError, request, type HttpOptions } from './http';

export type OutboxKind = 'update' | 'gamma' | 'ready' | 'metrics';

export interface OutboxItem {
  key: string;
  kind: OutboxKind;
  path: string;
  contentType: string;
  body: Uint8Array;
}

export interface OutboxRow {
  key: string;
  kind: string;
  path: string;
  content_type: string;
  body: Buffer;
  attempts: number;
  next_attempt_ms: number;
  last_error: string | null;
  delivered_at: string | null;
}

export interface DrainResult {
  delivered: number;
  /** Refused for good by the server (e.g. a round already closed); kept with the reason, never resent. */
  dropped: number;
  pending: number;
  offline: boolean;
}

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 60_000;

export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.75 + 0.5 * random()));
}

export class Outbox {
  private draining: Promise<DrainResult> | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Stores the report unless one with this key exists. Returns false when it was already there. */
  enqueue(item: OutboxItem): boolean {
    const r = this.db
      .prepare('INSERT OR IGNORE INTO outbox (key, kind, method, path, content_type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(item.key, item.kind, 'POST', item.path, item.contentType, Buffer.from(item.body), new Date(this.clock()).toISOString());
    return r.changes === 1;
  }

  pendingCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL').get() as { n: number }).n;
  }

  get(key: string): OutboxRow | null {
    return (this.db.prepare('SELECT * FROM outbox WHERE key = ?').get(key) as OutboxRow | undefined) ?? null;
  }

  isDelivered(key: string): boolean {
    return this.get(key)?.delivered_at != null;
  }

  /** Removes everything (leaving a federation). */
  clear(): void {
    this.db.prepare('DELETE FROM outbox').run();
  }

  /**
   * Sends every due report in order; stops at the first network failure (the server is down:
   * no point hammering it) and schedules that item's retry. `force` ignores the backoff.
   */
  drain(http: HttpOptions, force = false): Promise<DrainResult> {
    this.draining ??= this.drainOnce(http, force).finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async drainOnce(http: HttpOptions, force: boolean): Promise<DrainResult> {
    const rows = this.db.prepare('SELECT * FROM outbox WHERE delivered_at IS NULL ORDER BY rowid').all() as OutboxRow[];
    let delivered = 0;
    let dropped = 0;
    let offline = false;
    for (const row of rows) {
      const now = this.clock();
      // Strict FIFO: a report waiting out its backoff holds back the ones behind it.
      if (!force && row.next_attempt_ms > now) break;
      try {
        const res = await request(http, { method: 'POST', path: row.path, body: new Uint8Array(row.body), contentType: row.content_type, timeoutMs: 120_000 });
        this.markDelivered(row.key, new TextDecoder().decode(res.bytes), null);
        delivered++;
      } catch (err) {
        if (err instanceof FederationRejectedError && !err.credentialRejected) {
          // A definite "no" (stale round, wrong phase, invalid update): resending cannot help.
          this.markDelivered(row.key, null, `refused: ${err.message}`);
          dropped++;
          continue;
        }
        const attempts = row.attempts + 1;
        this.db
          .prepare('UPDATE outbox SET attempts = ?, next_attempt_ms = ?, last_error = ? WHERE key = ?')
          .run(attempts, now + backoffMs(attempts), (err as Error).message, row.key);
        if (err instanceof FederationOfflineError || (err instanceof FederationRejectedError && err.credentialRejected)) {
          offline = err instanceof FederationOfflineError;
          if (err instanceof FederationRejectedError) throw err;
          break;
        }
        throw err;
      }
    }
    return { delivered, dropped, pending: this.pendingCount(), offline };
  }

  /** Milliseconds until the next retry is due (null when nothing waits). */
  nextDueInMs(): number | null {
    const row = this.db.prepare('SELECT next_attempt_ms AS t FROM outbox WHERE delivered_at IS NULL ORDER BY rowid LIMIT 1').get() as { t: number } | undefined;
    return row === undefined ? null : Math.max(0, row.t - this.clock());
  }

  private markDelivered(key: string, response: string | null, error: string | null): void {
    this.db
      .prepare('UPDATE outbox SET delivered_at = ?, response_json = ?, last_error = ?, body = X\'\' WHERE key = ?')
      .run(new Date(this.clock()).toISOString(), response, error, key);
  }
}
