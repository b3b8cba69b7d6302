// The federation link: enrolment, the credential (through the injected SecretStore), task
// polling, verified model downloads (cached by hash) and reports through the outbox. It knows
// nothing about training; the cycle orchestrator drives it.
import { pinnedFetch } from './pinned-fetch';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../../../platform/private-fs';
import path from 'node:path';
import { z } from 'zod';
import {
  API_PREFIX,
  ClientCredentialSchema,
  EnrolmentCodeSchema,
  EnrolResponseSchema,
  PublicFederationSchema,
  ClientTaskSchema,
  decodeModelBlob,
  encodeUpdate,
  type ClientCredential,
  type PublicFederation,
  type RoundId,
  type ClientTask,
  type UpdateHeader,
} from '../../../shared/wire';
import { KvCell, type Db } from '../storage/node-db';
import { ReportPolicyStore } from './report-policy';
import { SecAggSession } from './secagg-session';
import { FederationOfflineError, FederationRejectedError, request, requestJson, type HttpOptions } from './http';
import { Outbox, type DrainResult } from './outbox';
import type { SecretStore } from './secret-store';

const SECRET_NAME = 'federation-credential';

export const EnrolmentSchema = z.object({
  serverUrl: z.string(),
  /** The pinned certificate fingerprint (normalized), or null: the system's CAs decide. */
  certificatePin: z.string().nullable().default(null),
  clientId: z.string(),
  displayName: z.string().nullable(),
  enrolledAt: z.string(),
  federation: PublicFederationSchema,
});
export type Enrolment = z.infer<typeof EnrolmentSchema>;

export type LinkState = 'connecting' | 'online' | 'offline' | 'rejected';

export class ModelIntegrityError extends Error {
  override readonly name = 'ModelIntegrityError';
}

export class NotEnrolledError extends Error {
  override readonly name = 'NotEnrolledError';
  constructor() {
    super('this client has not joined a federation');
  }
}

export interface LinkDeps {
  db: Db;
  dataDir: string;
  secrets: SecretStore;
  fetchImpl?: typeof fetch;
  clock?: () => number;
  onChange?: () => void;
  /** Standalone mode's federation of one: requests to its `url` go through its in-memory `fetch`. */
  localTransport?: () => { url: string; fetch: typeof fetch } | null;
}

export class FederationLink {
  readonly outbox: Outbox;
  private readonly enrolmentCell: KvCell<typeof EnrolmentSchema>;
  private credential: ClientCredential | null = null;
  private stateValue: LinkState = 'connecting';
  private lastContact: string | null = null;
  private lastErrorValue: string | null = null;
  private readonly modelsDir: string;
  private readonly clock: () => number;

  /** The allow-list of optional reports (gamma_k, accuracy figures). */
  readonly reports: ReportPolicyStore;
  /** This clinic's secrets and shares for the current secure-aggregation round. */
  readonly secAgg: SecAggSession;

  constructor(private readonly deps: LinkDeps) {
    this.outbox = new Outbox(deps.db, deps.clock);
    this.reports = new ReportPolicyStore(deps.db);
    this.secAgg = new SecAggSession(deps.db, () => {
      const e = this.enrolment();
      if (!e) throw new NotEnrolledError();
      return e.federation.initialModelHash;
    });
    this.enrolmentCell = new KvCell(deps.db, 'federation.enrolment', EnrolmentSchema);
    this.modelsDir = path.join(deps.dataDir, 'models');
    this.clock = deps.clock ?? Date.now;
  }

  enrolment(): Enrolment | null {
    return this.enrolmentCell.get();
  }

  get state(): LinkState {
    return this.stateValue;
  }
  get lastContactAt(): string | null {
    return this.lastContact;
  }
  /** The connection's last error, else a report the server rejected as invalid (it is not retried). */
  get lastError(): string | null {
    if (this.lastErrorValue !== null) return this.lastErrorValue;
    const invalid = this.outbox.lastInvalid();
    return invalid ? `a report (${invalid.key}) was rejected as invalid and will not be resent: ${invalid.error}` : null;
  }

  /** Loads the stored credential (after a restart). */
  async restore(): Promise<boolean> {
    if (!this.enrolment()) return false;
    const raw = await this.deps.secrets.load(SECRET_NAME);
    const parsed = ClientCredentialSchema.safeParse(raw);
    if (!parsed.success) {
      this.setState('rejected', 'the stored credential is missing or unreadable: join again');
      return false;
    }
    this.credential = parsed.data;
    return true;
  }

  async enrol(serverUrl: string, code: string, displayName?: string, certificatePin: string | null = null): Promise<Enrolment> {
    const normalized = EnrolmentCodeSchema.safeParse(code.trim().toUpperCase());
    if (!normalized.success) throw new FederationRejectedError(400, 'invalid_code', 'the enrolment code looks like ABCD-EFGH-JKLM-NPQR');
    this.setState('connecting', null);
    const res = await this.call(() =>
      requestJson(
        { baseUrl: serverUrl, ...this.fetchOpt(certificatePin, serverUrl) },
        {
          method: 'POST',
          path: `${API_PREFIX.slice(1)}/enrol`,
          body: JSON.stringify({ code: normalized.data, ...(displayName ? { displayName } : {}) }),
          contentType: 'application/json',
        },
        EnrolResponseSchema,
      ),
    );
    await this.deps.secrets.save(SECRET_NAME, res.credential);
    this.credential = res.credential;
    const enrolment: Enrolment = {
      serverUrl,
      certificatePin,
      clientId: res.clientId,
      displayName: displayName ?? null,
      enrolledAt: new Date(this.clock()).toISOString(),
      federation: res.federation,
    };
    this.outbox.clear();
    this.enrolmentCell.set(enrolment);
    return enrolment;
  }

  async leave(): Promise<void> {
    await this.deps.secrets.remove(SECRET_NAME);
    this.credential = null;
    this.enrolmentCell.delete();
    this.outbox.clear();
    this.setState('connecting', null);
  }

  /** The next task; `waitMs` long-polls while the server has nothing to do for us. */
  async nextTask(waitMs = 0): Promise<ClientTask> {
    const http = this.http();
    return this.call(() => requestJson(http, { method: 'GET', path: `${API_PREFIX.slice(1)}/task?waitMs=${waitMs}`, timeoutMs: waitMs + 30_000 }, ClientTaskSchema));
  }

  async federation(): Promise<PublicFederation> {
    return this.call(() => requestJson(this.http(), { method: 'GET', path: `${API_PREFIX.slice(1)}/federation` }, PublicFederationSchema));
  }

  /** A global model by hash: from the local cache or downloaded, sha256-verified either way. */
  async model(hash: string): Promise<Float32Array> {
    const file = path.join(this.modelsDir, `${hash}.f32`);
    if (existsSync(file)) {
      const cached = readFileSync(file);
      if (sha256(cached) === hash) return decodeModelBlob(new Uint8Array(cached.buffer, cached.byteOffset, cached.length));
    }
    const { bytes } = await this.call(() => request(this.http(), { method: 'GET', path: `${API_PREFIX.slice(1)}/models/${hash}`, timeoutMs: 120_000 }));
    const got = sha256(bytes);
    if (got !== hash) throw new ModelIntegrityError(`model ${hash.slice(0, 12)}… arrived with sha256 ${got.slice(0, 12)}…: refused`);
    writeFileAtomicSync(file, bytes);
    return decodeModelBlob(bytes);
  }

  /** Queues a finished local update (persisted first), then tries to deliver the outbox. */
  async submitUpdate(header: UpdateHeader, weights: Float32Array, controlDelta?: Float32Array): Promise<DrainResult> {
    const body = encodeUpdate({ header, weights, ...(controlDelta ? { controlDelta } : {}) });
    this.outbox.enqueue({ key: `update:${header.roundId}`, kind: 'update', path: `${API_PREFIX.slice(1)}/rounds/${header.roundId}/update`, contentType: 'application/octet-stream', body });
    return this.flush();
  }

  /**
   * One secure-aggregation message (keys, shares, masked upload, reveal) through the outbox:
   * persisted before it is sent, delivered once. `key` names the round, attempt and stage.
   */
  async sendSecAgg(roundId: number, attempt: number, stage: 'keys' | 'shares' | 'masked' | 'reveal', body: Uint8Array): Promise<DrainResult> {
    this.outbox.enqueue({
      key: secAggOutboxKey(roundId, attempt, stage),
      kind: stage === 'masked' ? 'update' : 'secagg',
      path: `${API_PREFIX.slice(1)}/rounds/${roundId}/secagg/${attempt}/${stage}`,
      contentType: stage === 'masked' ? 'application/octet-stream' : 'application/json',
      body,
    });
    return this.flush();
  }

  /** Sends gamma_k, or "withheld" where the clinic's allow-list says so. */
  async submitGamma(cycle: number, gamma: number): Promise<DrainResult> {
    const body = json({ gamma: this.reports.gammaToSend(gamma) });
    this.outbox.enqueue({ key: `gamma:${cycle}`, kind: 'gamma', path: `${API_PREFIX.slice(1)}/cycles/${cycle}/gamma`, contentType: 'application/json', body });
    return this.flush();
  }

  async reportReady(cycle: number): Promise<DrainResult> {
    this.outbox.enqueue({ key: `ready:${cycle}`, kind: 'ready', path: `${API_PREFIX.slice(1)}/cycles/${cycle}/ready`, contentType: 'application/json', body: json({}) });
    return this.flush();
  }

  /** Sends a round's accuracy figure only where the clinic's allow-list shares metrics. */
  async reportMetrics(roundId: RoundId, localTestAccuracy: number): Promise<DrainResult> {
    if (!this.reports.metricsAllowed()) return { delivered: 0, dropped: 0, invalid: [], pending: this.outbox.pendingCount(), offline: false };
    const acc = Math.min(1, Math.max(0, localTestAccuracy));
    this.outbox.enqueue({ key: `metrics:${roundId}`, kind: 'metrics', path: `${API_PREFIX.slice(1)}/rounds/${roundId}/metrics`, contentType: 'application/json', body: json({ localTestAccuracy: acc }) });
    return this.flush();
  }

  /** Delivers what is due; never throws for an unreachable server (the outbox keeps it). */
  async flush(force = false): Promise<DrainResult> {
    try {
      const r = await this.outbox.drain(this.http(), force);
      if (r.offline) this.setState('offline', this.outbox.get(this.firstPendingKey() ?? '')?.last_error ?? 'server unreachable');
      else if (r.delivered > 0) this.contact();
      return r;
    } catch (err) {
      if (err instanceof FederationRejectedError && err.credentialRejected) this.setState('rejected', err.message);
      throw err;
    } finally {
      this.deps.onChange?.();
    }
  }

  private firstPendingKey(): string | null {
    const row = this.deps.db.prepare('SELECT key FROM outbox WHERE delivered_at IS NULL ORDER BY rowid LIMIT 1').get() as { key: string } | undefined;
    return row?.key ?? null;
  }

  private http(): HttpOptions {
    const e = this.enrolment();
    if (!e || !this.credential) throw new NotEnrolledError();
    return { baseUrl: e.serverUrl, credential: this.credential, ...this.fetchOpt(e.certificatePin, e.serverUrl) };
  }

  private fetchOpt(pin: string | null, serverUrl: string): { fetchImpl?: typeof fetch } {
    const local = this.deps.localTransport?.();
    if (local && serverUrl === local.url) return { fetchImpl: local.fetch };
    if (this.deps.fetchImpl) return { fetchImpl: this.deps.fetchImpl };
    if (!pin) return {};
    // One pinned agent per pin: its keep-alive connections were checked when they opened.
    if (this.pinned?.pin !== pin) this.pinned = { pin, fetch: pinnedFetch(pin) };
    return { fetchImpl: this.pinned.fetch };
  }

  private pinned: { pin: string; fetch: typeof fetch } | null = null;

  /** Runs a request and keeps the connection state (online/offline/rejected) in step with it. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      this.contact();
      return out;
    } catch (err) {
      if (err instanceof FederationOfflineError) this.setState('offline', err.message);
      else if (err instanceof FederationRejectedError && err.credentialRejected) this.setState('rejected', err.message);
      else if (err instanceof FederationRejectedError) {
        // The server answered: we are online even though it refused this request.
        this.lastContact = new Date(this.clock()).toISOString();
        this.lastErrorValue = err.message;
        this.deps.onChange?.();
      }
      throw err;
    }
  }

  private contact(): void {
    this.lastContact = new Date(this.clock()).toISOString();
    this.setState('online', null);
  }

  private setState(state: LinkState, error: string | null): void {
    const changed = state !== this.stateValue || error !== this.lastErrorValue;
    this.stateValue = state;
    this.lastErrorValue = error;
    if (changed) this.deps.onChange?.();
  }
}

export const secAggOutboxKey = (roundId: number, attempt: number, stage: string): string => `secagg-${stage}:${roundId}:${attempt}`;

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function json(v: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(v));
}
