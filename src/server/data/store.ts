// Data access: every SQL statement of the server lives here. Callers group writes into
// transactions with `store.transaction(fn)`; reads outside a transaction see committed state.
import { FederationConfigSchema, type FederationConfig, type Phase } from '../../shared/wire';
import type { Db } from './db';

export interface FederationRow {
  config: FederationConfig;
  adminTokenHash: string;
  initialHash: string;
  paramCount: number;
  phase: Phase;
  cycle: number;
  phaseDeadline: number | null;
  /** null before it is published, and after when no clinic shared its gamma_k. */
  gammaBar: number | null;
  /** gamma_bar was published (frozen), even as null. */
  gammaPublished: boolean;
  latestHash: string;
  createdAt: number;
  /** Differential privacy's clipping norm in force when adaptive clipping moved it (else null: the config's). */
  dpClipNorm: number | null;
}

export interface ClientRow {
  id: string;
  credential_hash: string;
  display_name: string | null;
  enrolled_at: number;
  revoked_at: number | null;
}

export interface RoundRow {
  id: number;
  cycle: number;
  round_index: number;
  base_hash: string;
  control_hash: string | null;
  status: 'open' | 'closed';
  opened_at: number;
  deadline: number;
  closed_at: number | null;
  result_hash: string | null;
}

export interface UpdateRow {
  round_id: number;
  client_id: string;
  body_hash: string;
  sample_count: number;
  update_norm: number;
  received_at: number;
}

export interface VersionRow {
  hash: string;
  kind: 'initial' | 'global' | 'control';
  cycle: number | null;
  round_id: number | null;
  created_at: number;
}

interface RawFederationRow {
  config_json: string;
  admin_token_hash: string;
  initial_hash: string;
  param_count: number;
  phase: Phase;
  cycle: number;
  phase_deadline: number | null;
  gamma_bar: number | null;
  gamma_published: number;
  latest_hash: string;
  created_at: number;
  dp_clip_norm: number | null;
}

export class FederationStore {
  /** The config is immutable once created; parse its JSON once (federation() runs per request). */
  private configCache: { json: string; config: FederationConfig } | null = null;

  constructor(readonly db: Db) {}

  private parseConfig(json: string): FederationConfig {
    if (this.configCache?.json !== json) this.configCache = { json, config: FederationConfigSchema.parse(JSON.parse(json)) };
    return this.configCache.config;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---- federation ----
  hasFederation(): boolean {
    return this.db.prepare('SELECT 1 FROM federation WHERE id = 1').get() !== undefined;
  }

  federation(): FederationRow {
    const r = this.db.prepare('SELECT * FROM federation WHERE id = 1').get() as RawFederationRow | undefined;
    if (!r) throw new Error('no federation in this data directory; run `server federation create` first');
    return {
      config: this.parseConfig(r.config_json),
      adminTokenHash: r.admin_token_hash,
      initialHash: r.initial_hash,
      paramCount: r.param_count,
      phase: r.phase,
      cycle: r.cycle,
      phaseDeadline: r.phase_deadline,
      gammaBar: r.gamma_bar,
      gammaPublished: r.gamma_published === 1,
      latestHash: r.latest_hash,
      dpClipNorm: r.dp_clip_norm,
      createdAt: r.created_at,
    };
  }

  insertFederation(f: { config: FederationConfig; adminTokenHash: string; initialHash: string; paramCount: number; now: number }): void {
    this.db
      .prepare(
        `INSERT INTO federation (id, config_json, admin_token_hash, initial_hash, param_count, phase, cycle, latest_hash, created_at)
         VALUES (1, ?, ?, ?, ?, 'training', 0, ?, ?)`,
      )
      .run(JSON.stringify(f.config), f.adminTokenHash, f.initialHash, f.paramCount, f.initialHash, f.now);
  }

  setPhase(phase: Phase, cycle: number, deadline: number | null): void {
    this.db.prepare('UPDATE federation SET phase = ?, cycle = ?, phase_deadline = ? WHERE id = 1').run(phase, cycle, deadline);
  }

  setPhaseDeadline(deadline: number): void {
    this.db.prepare('UPDATE federation SET phase_deadline = ? WHERE id = 1').run(deadline);
  }

  /** null: every clinic withheld its gamma_k (each then uses its own). */
  setGammaBar(gammaBar: number | null): void {
    // Frozen once published: the WHERE clause makes a second write a no-op.
    this.db.prepare('UPDATE federation SET gamma_bar = ?, gamma_published = 1 WHERE id = 1 AND gamma_published = 0').run(gammaBar);
  }

  setDpClipNorm(clipNorm: number): void {
    this.db.prepare('UPDATE federation SET dp_clip_norm = ? WHERE id = 1').run(clipNorm);
  }

  setLatestHash(hash: string): void {
    this.db.prepare('UPDATE federation SET latest_hash = ? WHERE id = 1').run(hash);
  }

  // ---- clients and enrolment ----
  insertEnrolmentCode(codeHash: string, now: number, expiresAt: number): void {
    this.db.prepare('INSERT INTO enrolment_codes (code_hash, created_at, expires_at) VALUES (?, ?, ?)').run(codeHash, now, expiresAt);
  }

  /** Marks an unused, unexpired code used; returns false when there is none. */
  consumeEnrolmentCode(codeHash: string, clientId: string, now: number): boolean {
    const r = this.db
      .prepare('UPDATE enrolment_codes SET used_at = ?, used_by = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?')
      .run(now, clientId, codeHash, now);
    return r.changes === 1;
  }

  insertClient(c: { id: string; credentialHash: string; displayName: string | null; now: number }): void {
    this.db
      .prepare('INSERT INTO clients (id, credential_hash, display_name, enrolled_at) VALUES (?, ?, ?, ?)')
      .run(c.id, c.credentialHash, c.displayName, c.now);
  }

  clientByCredentialHash(hash: string): ClientRow | undefined {
    return this.db.prepare('SELECT * FROM clients WHERE credential_hash = ?').get(hash) as ClientRow | undefined;
  }

  client(id: string): ClientRow | undefined {
    return this.db.prepare('SELECT * FROM clients WHERE id = ?').get(id) as ClientRow | undefined;
  }

  clients(): ClientRow[] {
    return this.db.prepare('SELECT * FROM clients ORDER BY enrolled_at, id').all() as ClientRow[];
  }

  activeClientCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM clients WHERE revoked_at IS NULL').get() as { n: number }).n;
  }

  revokeClient(id: string, now: number): boolean {
    return this.db.prepare('UPDATE clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes === 1;
  }

  // ---- model versions ----
  insertVersion(v: VersionRow): void {
    this.db
      .prepare('INSERT OR IGNORE INTO model_versions (hash, kind, cycle, round_id, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(v.hash, v.kind, v.cycle, v.round_id, v.created_at);
  }

  version(hash: string): VersionRow | undefined {
    return this.db.prepare('SELECT * FROM model_versions WHERE hash = ?').get(hash) as VersionRow | undefined;
  }

  recentVersions(limit: number): VersionRow[] {
    return this.db
      .prepare("SELECT * FROM model_versions WHERE kind != 'control' ORDER BY created_at DESC, rowid DESC LIMIT ?")
      .all(limit) as VersionRow[];
  }

  insertLineage(versionHash: string, roundId: number, clientId: string, sampleCount: number): void {
    this.db
      .prepare('INSERT INTO lineage (version_hash, round_id, client_id, sample_count) VALUES (?, ?, ?, ?)')
      .run(versionHash, roundId, clientId, sampleCount);
  }

  contributors(versionHash: string): string[] {
    return (
      this.db.prepare('SELECT DISTINCT client_id FROM lineage WHERE version_hash = ? ORDER BY client_id').all(versionHash) as {
        client_id: string;
      }[]
    ).map((r) => r.client_id);
  }

  // ---- rounds and updates ----
  openRound(r: { cycle: number; roundIndex: number; baseHash: string; controlHash: string | null; now: number; deadline: number }): number {
    const res = this.db
      .prepare(
        `INSERT INTO rounds (cycle, round_index, base_hash, control_hash, status, opened_at, deadline)
         VALUES (?, ?, ?, ?, 'open', ?, ?)`,
      )
      .run(r.cycle, r.roundIndex, r.baseHash, r.controlHash, r.now, r.deadline);
    return Number(res.lastInsertRowid);
  }

  currentOpenRound(): RoundRow | undefined {
    return this.db.prepare("SELECT * FROM rounds WHERE status = 'open'").get() as RoundRow | undefined;
  }

  round(id: number): RoundRow | undefined {
    return this.db.prepare('SELECT * FROM rounds WHERE id = ?').get(id) as RoundRow | undefined;
  }

  recentRounds(limit: number): RoundRow[] {
    return this.db.prepare('SELECT * FROM rounds ORDER BY id DESC LIMIT ?').all(limit) as RoundRow[];
  }

  /** Rounds whose model was published (what differential privacy's accountant counts). */
  closedRoundCount(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM rounds WHERE status = 'closed'").get() as { n: number }).n;
  }

  /** Published rounds per cycle, in cycle order (the accountant's epsilon per cycle). */
  closedRoundsByCycle(): { cycle: number; rounds: number }[] {
    return this.db.prepare("SELECT cycle, COUNT(*) AS rounds FROM rounds WHERE status = 'closed' GROUP BY cycle ORDER BY cycle").all() as { cycle: number; rounds: number }[];
  }

  extendRoundDeadline(roundId: number, deadline: number): void {
    this.db.prepare("UPDATE rounds SET deadline = ? WHERE id = ? AND status = 'open'").run(deadline, roundId);
  }

  /** Closes an open round; false when it was not open (already aggregated). */
  closeRound(roundId: number, resultHash: string, now: number): boolean {
    return (
      this.db
        .prepare("UPDATE rounds SET status = 'closed', closed_at = ?, result_hash = ? WHERE id = ? AND status = 'open'")
        .run(now, resultHash, roundId).changes === 1
    );
  }

  insertUpdate(u: UpdateRow): void {
    this.db
      .prepare(
        `INSERT INTO updates (round_id, client_id, body_hash, sample_count, update_norm, received_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(u.round_id, u.client_id, u.body_hash, u.sample_count, u.update_norm, u.received_at);
  }

  update(roundId: number, clientId: string): UpdateRow | undefined {
    return this.db.prepare('SELECT * FROM updates WHERE round_id = ? AND client_id = ?').get(roundId, clientId) as UpdateRow | undefined;
  }

  /** Updates of a round, in client id order (so aggregation is deterministic). */
  /** The count this client declared in its latest update of `cycle`, if any. */
  lastSampleCountInCycle(cycle: number, clientId: string): number | null {
    const r = this.db
      .prepare('SELECT u.sample_count AS n FROM updates u JOIN rounds r ON r.id = u.round_id WHERE r.cycle = ? AND u.client_id = ? ORDER BY r.round_index DESC LIMIT 1')
      .get(cycle, clientId) as { n: number } | undefined;
    return r?.n ?? null;
  }

  /** A round's updates in enrolment order: float sums in a fixed order make aggregation reproducible. */
  updates(roundId: number): UpdateRow[] {
    return this.db
      .prepare('SELECT u.* FROM updates u JOIN clients c ON c.id = u.client_id WHERE u.round_id = ? ORDER BY c.enrolled_at, c.rowid')
      .all(roundId) as UpdateRow[];
  }

  /** Who reported a round: plaintext updates, or masked uploads under secure aggregation. */
  reporters(roundId: number): string[] {
    const rows = this.db
      .prepare('SELECT client_id FROM updates WHERE round_id = ? UNION SELECT client_id FROM secagg_uploads WHERE round_id = ?')
      .all(roundId, roundId) as { client_id: string }[];
    return rows.map((r) => r.client_id);
  }

  /** Every blob the database still needs: versions plus updates of open rounds. */
  referencedBlobs(): Set<string> {
    const rows = this.db
      .prepare(
        `SELECT hash AS h FROM model_versions
         UNION SELECT u.body_hash FROM updates u JOIN rounds r ON r.id = u.round_id WHERE r.status = 'open'
         UNION SELECT s.body_hash FROM secagg_uploads s JOIN rounds r ON r.id = s.round_id WHERE r.status = 'open'`,
      )
      .all() as { h: string }[];
    return new Set(rows.map((r) => r.h));
  }

  // ---- gamma, ready, metrics ----
  /** gamma null: the client reported but withheld the value. */
  insertGamma(cycle: number, clientId: string, gamma: number | null, now: number): boolean {
    return (
      this.db.prepare('INSERT OR IGNORE INTO gammas (cycle, client_id, gamma, received_at) VALUES (?, ?, ?, ?)').run(cycle, clientId, gamma, now)
        .changes === 1
    );
  }

  gammas(cycle: number): { client_id: string; gamma: number | null }[] {
    return this.db.prepare('SELECT g.client_id, g.gamma FROM gammas g JOIN clients c ON c.id = g.client_id WHERE g.cycle = ? ORDER BY c.enrolled_at, c.rowid').all(cycle) as {
      client_id: string;
      gamma: number | null;
    }[];
  }

  insertReady(cycle: number, clientId: string, now: number): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO ready (cycle, client_id, received_at) VALUES (?, ?, ?)').run(cycle, clientId, now).changes === 1;
  }

  readyClients(cycle: number): string[] {
    return (this.db.prepare('SELECT client_id FROM ready WHERE cycle = ? ORDER BY client_id').all(cycle) as { client_id: string }[]).map(
      (r) => r.client_id,
    );
  }

  insertMetrics(roundId: number, clientId: string, accuracy: number, now: number): void {
    this.db.prepare('INSERT INTO round_metrics (round_id, client_id, local_test_accuracy, received_at) VALUES (?, ?, ?, ?)').run(roundId, clientId, accuracy, now);
  }

  metrics(roundId: number, clientId: string): number | undefined {
    const r = this.db.prepare('SELECT local_test_accuracy AS a FROM round_metrics WHERE round_id = ? AND client_id = ?').get(roundId, clientId) as { a: number } | undefined;
    return r?.a;
  }

  roundMetrics(roundId: number): { reporters: number; mean: number | null } {
    const r = this.db.prepare('SELECT COUNT(*) AS n, AVG(local_test_accuracy) AS mean FROM round_metrics WHERE round_id = ?').get(roundId) as {
      n: number;
      mean: number | null;
    };
    return { reporters: r.n, mean: r.mean };
  }
}
