// Reports that must reach the server exactly once, persisted in node.sqlite before any send:
// finished local updates, gamma_k, labels-ready. Each has an idempotency key derived from
// what it reports (`update:<roundId>`, `ready:<cycle>`, ...): enqueueing the same report twice
// stores it once, and a delivered report is never sent again. Delivery retries with
// exponential backoff (1 s doubling to 60 s, with jitter) while the server is unreachable, and
// resumes after a restart from the stored body. The server also deduplicates updates by round
// and client, so a send whose reply was lost is harmless.
// The server's refusals fall in three kinds: one that can change with the federation's phase
// (wrong_phase, a 409 conflict) keeps the report and retries it later without holding back the
// ones behind it; one that is settled (stale_round: the round closed) drops it with the reason;
// an invalid report (other 4xx) drops it and stays visible as an error until a later report is
// delivered. Enqueueing a report whose earlier send was refused stores it again.
import type { Db } from '../storage/node-db';
import { FederationOfflineError, FederationRejectedError, request, type HttpOptions } from './http';

export type OutboxKind = 'update' | 'gamma' | 'ready' | 'metrics' | 'secagg';

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
  response_json: string | null;
}

export interface DrainResult {
  delivered: number;
  /** Refused for good by the server (e.g. a round already closed); kept with the reason, never resent. */
  dropped: number;
  /** Refused as invalid (4xx validation): dropped, and surfaced as an error. */
  invalid: { key: string; error: string }[];
  pending: number;
  offline: boolean;
}

/** `last_error` prefixes: why a report is waiting or was settled without being accepted. */
export const WAITING_PREFIX = 'waiting: ';
export const REFUSED_PREFIX = 'refused: ';
export const INVALID_PREFIX = 'invalid: ';
export const SUPERSEDED_PREFIX = 'superseded: ';
/** Retries of a report the server keeps refusing for a reason that can change, before giving up. */
export const MAX_REFUSED_ATTEMPTS = 30;

export type RefusalKind = 'retry-later' | 'settled' | 'invalid';

/** What a non-credential 4xx means for a stored report. */
export function classifyRefusal(err: FederationRejectedError): RefusalKind {
  if (err.code === 'wrong_phase') return 'retry-later';
  if (err.code === 'stale_round') return 'settled';
  if (err.status === 409) return 'retry-later';
  return 'invalid';
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
    const at = new Date(this.clock()).toISOString();
    return this.db.transaction(() => {
      // A report of the same kind that the server keeps refusing for now (e.g. ready for a cycle
      // whose labeling never opened for us) is out of date once a newer one exists.
      this.db
        .prepare("UPDATE outbox SET delivered_at = ?, last_error = ? || COALESCE(last_error, ''), body = X'' WHERE kind = ? AND key <> ? AND delivered_at IS NULL AND last_error LIKE ?")
        .run(at, `${SUPERSEDED_PREFIX}by ${item.key}; `, item.kind, item.key, `${WAITING_PREFIX}%`);
      const existing = this.get(item.key);
      if (existing && existing.delivered_at !== null && existing.response_json === null && isRefusal(existing.last_error)) {
        // Sent before and refused (never accepted): the caller has a new reason to send it.
        this.db.prepare('DELETE FROM outbox WHERE key = ?').run(item.key);
      }
      const r = this.db
        .prepare('INSERT OR IGNORE INTO outbox (key, kind, method, path, content_type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(item.key, item.kind, 'POST', item.path, item.contentType, Buffer.from(item.body), at);
      return r.changes === 1;
    })();
  }

  /** The newest settled report, when the server rejected it as invalid (an error to show). */
  lastInvalid(): { key: string; error: string } | null {
    const row = this.db.prepare('SELECT key, last_error FROM outbox WHERE delivered_at IS NOT NULL ORDER BY delivered_at DESC, rowid DESC LIMIT 1').get() as
      | { key: string; last_error: string | null }
      | undefined;
    if (!row?.last_error?.startsWith(INVALID_PREFIX)) return null;
    return { key: row.key, error: row.last_error.slice(INVALID_PREFIX.length) };
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
    const invalid: { key: string; error: string }[] = [];
    let offline = false;
    for (const row of rows) {
      const now = this.clock();
      // A report the server refused for now waits on its own; it holds back nothing.
      const refusedForNow = row.last_error?.startsWith(WAITING_PREFIX) ?? false;
      if (!force && row.next_attempt_ms > now) {
        if (refusedForNow) continue;
        // Strict FIFO otherwise: a report waiting out an offline backoff holds back the ones behind it.
        break;
      }
      try {
        const res = await request(http, { method: 'POST', path: row.path, body: new Uint8Array(row.body), contentType: row.content_type, timeoutMs: 120_000 });
        this.markDelivered(row.key, new TextDecoder().decode(res.bytes), null);
        delivered++;
      } catch (err) {
        if (err instanceof FederationRejectedError && !err.credentialRejected) {
          const kind = classifyRefusal(err);
          const attempts = row.attempts + 1;
          if (kind === 'retry-later' && attempts < MAX_REFUSED_ATTEMPTS) {
            // The federation is not there yet (e.g. ready before the labeling phase): ask again later.
            this.db
              .prepare('UPDATE outbox SET attempts = ?, next_attempt_ms = ?, last_error = ? WHERE key = ?')
              .run(attempts, now + backoffMs(attempts), `${WAITING_PREFIX}${err.message}`, row.key);
            continue;
          }
          if (kind === 'invalid') {
            this.markDelivered(row.key, null, `${INVALID_PREFIX}${err.message}`);
            invalid.push({ key: row.key, error: err.message });
          } else {
            // Settled (a closed round) or refused too often: resending cannot help.
            this.markDelivered(row.key, null, `${REFUSED_PREFIX}${err.message}`);
          }
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
    return { delivered, dropped, invalid, pending: this.pendingCount(), offline };
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

function isRefusal(lastError: string | null): boolean {
  return lastError !== null && [REFUSED_PREFIX, INVALID_PREFIX, WAITING_PREFIX, SUPERSEDED_PREFIX].some((p) => lastError.startsWith(p));
}
