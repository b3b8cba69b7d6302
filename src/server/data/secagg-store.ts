// Data access for secure aggregation's rounds (migration 3). The server keeps members' public
// keys, sealed shares it cannot open, masked uploads (blobs) and the survivors' reveals: all a
// restart needs to resume a round, none of it a clinic's update.
import type { Db } from './db';

export type SecAggStage = 'keys' | 'shares' | 'upload' | 'unmask';

export interface SecAggRoundRow {
  round_id: number;
  attempt: number;
  stage: SecAggStage;
  members: number | null;
  threshold: number | null;
  scale_bits: number | null;
  stage_deadline: number;
}

export interface SecAggMemberRow {
  client_id: string;
  idx: number;
  mask_key: Uint8Array;
  encryption_key: Uint8Array;
  self_commit: Uint8Array;
  key_commit: Uint8Array;
  shared: number;
}

export interface SecAggUploadRow {
  client_id: string;
  body_hash: string;
}

export interface SecAggRevealRow {
  client_id: string;
  body: string;
}

type Key = { roundId: number; attempt: number };

export class SecAggStore {
  constructor(private readonly db: Db) {}

  round(roundId: number): SecAggRoundRow | undefined {
    return this.db.prepare('SELECT * FROM secagg_rounds WHERE round_id = ?').get(roundId) as SecAggRoundRow | undefined;
  }

  startRound(roundId: number, deadline: number): void {
    this.db.prepare(`INSERT OR IGNORE INTO secagg_rounds (round_id, attempt, stage, stage_deadline) VALUES (?, 0, 'keys', ?)`).run(roundId, deadline);
  }

  setStage(roundId: number, stage: SecAggStage, deadline: number, fixed?: { members: number; threshold: number; scaleBits: number }): void {
    if (fixed) {
      this.db.prepare('UPDATE secagg_rounds SET stage = ?, stage_deadline = ?, members = ?, threshold = ?, scale_bits = ? WHERE round_id = ?').run(stage, deadline, fixed.members, fixed.threshold, fixed.scaleBits, roundId);
    } else {
      this.db.prepare('UPDATE secagg_rounds SET stage = ?, stage_deadline = ? WHERE round_id = ?').run(stage, deadline, roundId);
    }
  }

  extendDeadline(roundId: number, deadline: number): void {
    this.db.prepare('UPDATE secagg_rounds SET stage_deadline = ? WHERE round_id = ?').run(deadline, roundId);
  }

  /** A failed attempt: its rows go, the round starts again at 'keys' with attempt + 1. Returns the upload blobs to delete. */
  restart(roundId: number, deadline: number): string[] {
    const hashes = (this.db.prepare('SELECT body_hash FROM secagg_uploads WHERE round_id = ?').all(roundId) as { body_hash: string }[]).map((r) => r.body_hash);
    for (const t of ['secagg_members', 'secagg_shares', 'secagg_uploads', 'secagg_reveals']) this.db.prepare(`DELETE FROM ${t} WHERE round_id = ?`).run(roundId);
    this.db.prepare(`UPDATE secagg_rounds SET attempt = attempt + 1, stage = 'keys', members = NULL, threshold = NULL, scale_bits = NULL, stage_deadline = ? WHERE round_id = ?`).run(deadline, roundId);
    return hashes;
  }

  // ---- members ----
  members(k: Key): SecAggMemberRow[] {
    return this.db.prepare('SELECT * FROM secagg_members WHERE round_id = ? AND attempt = ? ORDER BY idx').all(k.roundId, k.attempt) as SecAggMemberRow[];
  }

  member(k: Key, clientId: string): SecAggMemberRow | undefined {
    return this.db.prepare('SELECT * FROM secagg_members WHERE round_id = ? AND attempt = ? AND client_id = ?').get(k.roundId, k.attempt, clientId) as SecAggMemberRow | undefined;
  }

  /** Adds a member with the next index; returns it. */
  insertMember(k: Key, m: Omit<SecAggMemberRow, 'idx' | 'shared'>): number {
    const next = (this.db.prepare('SELECT COALESCE(MAX(idx), 0) + 1 AS n FROM secagg_members WHERE round_id = ? AND attempt = ?').get(k.roundId, k.attempt) as { n: number }).n;
    this.db
      .prepare('INSERT INTO secagg_members (round_id, attempt, client_id, idx, mask_key, encryption_key, self_commit, key_commit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(k.roundId, k.attempt, m.client_id, next, Buffer.from(m.mask_key), Buffer.from(m.encryption_key), Buffer.from(m.self_commit), Buffer.from(m.key_commit));
    return next;
  }

  // ---- shares ----
  insertShares(k: Key, from: number, shares: readonly { to: number; sealed: Uint8Array }[]): void {
    const ins = this.db.prepare('INSERT INTO secagg_shares (round_id, attempt, from_idx, to_idx, sealed) VALUES (?, ?, ?, ?, ?)');
    for (const s of shares) ins.run(k.roundId, k.attempt, from, s.to, Buffer.from(s.sealed));
    this.db.prepare('UPDATE secagg_members SET shared = 1 WHERE round_id = ? AND attempt = ? AND idx = ?').run(k.roundId, k.attempt, from);
  }

  sharesFrom(k: Key, from: number): { to_idx: number; sealed: Uint8Array }[] {
    return this.db.prepare('SELECT to_idx, sealed FROM secagg_shares WHERE round_id = ? AND attempt = ? AND from_idx = ? ORDER BY to_idx').all(k.roundId, k.attempt, from) as { to_idx: number; sealed: Uint8Array }[];
  }

  sharesTo(k: Key, to: number): { from_idx: number; sealed: Uint8Array }[] {
    return this.db.prepare('SELECT from_idx, sealed FROM secagg_shares WHERE round_id = ? AND attempt = ? AND to_idx = ? ORDER BY from_idx').all(k.roundId, k.attempt, to) as { from_idx: number; sealed: Uint8Array }[];
  }

  // ---- uploads and reveals ----
  upload(k: Key, clientId: string): SecAggUploadRow | undefined {
    return this.db.prepare('SELECT client_id, body_hash FROM secagg_uploads WHERE round_id = ? AND attempt = ? AND client_id = ?').get(k.roundId, k.attempt, clientId) as SecAggUploadRow | undefined;
  }

  uploads(k: Key): SecAggUploadRow[] {
    return this.db.prepare('SELECT client_id, body_hash FROM secagg_uploads WHERE round_id = ? AND attempt = ?').all(k.roundId, k.attempt) as SecAggUploadRow[];
  }

  insertUpload(k: Key, clientId: string, bodyHash: string, now: number): void {
    this.db.prepare('INSERT INTO secagg_uploads (round_id, attempt, client_id, body_hash, received_at) VALUES (?, ?, ?, ?, ?)').run(k.roundId, k.attempt, clientId, bodyHash, now);
  }

  /** Whether the client's masked upload went into a round (any attempt): it may report that round's metrics. */
  contributed(roundId: number, clientId: string): boolean {
    return this.db.prepare('SELECT 1 FROM secagg_uploads WHERE round_id = ? AND client_id = ?').get(roundId, clientId) !== undefined;
  }

  reveal(k: Key, clientId: string): SecAggRevealRow | undefined {
    return this.db.prepare('SELECT client_id, body FROM secagg_reveals WHERE round_id = ? AND attempt = ? AND client_id = ?').get(k.roundId, k.attempt, clientId) as SecAggRevealRow | undefined;
  }

  reveals(k: Key): SecAggRevealRow[] {
    return this.db.prepare('SELECT client_id, body FROM secagg_reveals WHERE round_id = ? AND attempt = ?').all(k.roundId, k.attempt) as SecAggRevealRow[];
  }

  insertReveal(k: Key, clientId: string, body: string, now: number): void {
    this.db.prepare('INSERT INTO secagg_reveals (round_id, attempt, client_id, body, received_at) VALUES (?, ?, ?, ?, ?)').run(k.roundId, k.attempt, clientId, body, now);
  }
}
