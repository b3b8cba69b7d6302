// A test clinic for secure aggregation over the real HTTP API: its secrets in memory, the
// platform's SecAggClient for shares and masks, core/protocol for its contribution. The
// product's own client (main/services/federation/secagg-session.ts) is tested end to end by
// the loopback federation in src/cli/client.federated.test.ts.
import { secureContribution, type DpSettings } from '../../core/protocol';
import { encodeFixed, newClientSecrets, SecAggClient, secAggRoundLabel, type Advertisement, type ClientSecrets } from '../../platform/secagg';
import { b64, unb64, type ClientTask, type SecAggMember, type SecAggSharesTask, type SecAggUnmaskTask, type TrainTask } from '../../shared/wire';
import type { TestClient } from './harness';

const toAd = (m: SecAggMember): Advertisement => ({
  index: m.index,
  publicKey: unb64(m.maskKey),
  encryptionKey: unb64(m.encryptionKey),
  selfSeedCommitment: unb64(m.selfSeedCommitment),
  privateKeyCommitment: unb64(m.maskKeyCommitment),
});

export interface SecureUpdate {
  weights: Float32Array;
  labelCount: number;
  controlDelta?: Float32Array;
}

export class SecureTestClient {
  private secrets: ClientSecrets = newClientSecrets();
  private attempt = -1;
  /** The last plaintext contribution it masked (what the server must never see). */
  lastContribution: Float64Array | null = null;
  /** What the clinic spent (for bench/privacy): milliseconds of its own computation, bytes it sent. */
  readonly cost = { cpuMs: 0, bytesUp: 0 };

  private timed<T>(fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.cost.cpuMs += performance.now() - t0;
    }
  }

  private async timedAsync<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.cost.cpuMs += performance.now() - t0;
    }
  }

  private send(p: string, body: string | Uint8Array): Promise<Response> {
    this.cost.bytesUp += typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    return typeof body === 'string' ? this.client.request('POST', p, body) : this.client.request('POST', p, body as BodyInit, 'application/octet-stream');
  }

  constructor(
    /** Replaceable: after a server restart the clinic talks to the new process with its same secrets. */
    public client: TestClient,
    private readonly federation: string,
    private readonly dp?: DpSettings,
  ) {}

  private crypto(roundId: number, attempt: number, index: number): SecAggClient {
    if (this.attempt !== attempt) {
      this.secrets = newClientSecrets();
      this.attempt = attempt;
    }
    return new SecAggClient(index, secAggRoundLabel(this.federation, roundId, attempt), this.secrets);
  }

  private path(roundId: number, attempt: number, stage: string): string {
    return `/v1/rounds/${roundId}/secagg/${attempt}/${stage}`;
  }

  async keys(task: { roundId: number; attempt: number }): Promise<Response> {
    const body = this.timed(() => {
      const ad = this.crypto(task.roundId, task.attempt, 1).advertise();
      return JSON.stringify({ maskKey: b64(ad.publicKey), encryptionKey: b64(ad.encryptionKey), selfSeedCommitment: b64(ad.selfSeedCommitment), maskKeyCommitment: b64(ad.privateKeyCommitment) });
    });
    return this.send(this.path(task.roundId, task.attempt, 'keys'), body);
  }

  async shares(task: SecAggSharesTask): Promise<Response> {
    const body = await this.timedAsync(async () => {
      const sealed = await this.crypto(task.roundId, task.attempt, task.index).sealedShares(task.members.map(toAd), task.threshold);
      return JSON.stringify({ shares: sealed.map((s) => ({ to: s.to, sealed: b64(s.sealed) })) });
    });
    return this.send(this.path(task.roundId, task.attempt, 'shares'), body);
  }

  /** The masked upload of `u` for a secure train task, and the response. */
  async masked(task: TrainTask, base: Float32Array, u: SecureUpdate): Promise<Response> {
    const sa = task.secureAggregation;
    if (!sa) throw new Error('not a secure train task');
    this.held = { members: sa.members, incoming: sa.incoming, index: sa.index };
    const masked = this.timed(() => this.maskedBody(task, base, u));
    return this.send(this.path(task.roundId, sa.attempt, 'masked'), masked);
  }

  private maskedBody(task: TrainTask, base: Float32Array, u: SecureUpdate): Uint8Array {
    const sa = task.secureAggregation!;
    const contribution = secureContribution({
      kind: sa.kind,
      global: base,
      weights: u.weights,
      controlDelta: u.controlDelta,
      labelCount: u.labelCount,
      normBound: sa.normBound,
      settings: { weightCap: sa.weightCap },
      dp: this.dp,
      noiseShares: sa.threshold,
      normal: () => 0,
    });
    this.lastContribution = contribution;
    const encoded = encodeFixed(contribution, { scaleBits: sa.scaleBits, range: sa.range });
    const masked = this.crypto(task.roundId, sa.attempt, sa.index).maskedInput(encoded, { keys: new Map(sa.members.map((m) => [m.index, unb64(m.maskKey)])) });
    return new Uint8Array(masked.buffer);
  }

  private held: { members: SecAggMember[]; incoming: { from: number; to: number; sealed: string }[]; index: number } | null = null;

  /** The reveal body for an unmask task; `tamper` flips a byte of the first self-seed share. */
  revealBody(task: SecAggUnmaskTask, tamper = false) {
    if (!this.held) throw new Error('reveal before upload');
    const c = this.crypto(task.roundId, task.attempt, this.held.index);
    const bundles = c.openShares(this.held.members.map(toAd), this.held.incoming.map((s) => ({ ...s, sealed: unb64(s.sealed) })));
    const r = c.reveal(bundles, task.survivors, task.dropped, task.threshold);
    const selfSeed = [...r.selfSeed].map(([of, share]) => ({ of, share: b64(share) }));
    if (tamper && selfSeed[0]) {
      const bytes = unb64(selfSeed[0].share);
      bytes[2] = (bytes[2] as number) ^ 0x5a;
      selfSeed[0] = { of: selfSeed[0].of, share: b64(bytes) };
    }
    return { selfSeed, privateKey: [...r.privateKey].map(([of, share]) => ({ of, share: b64(share) })) };
  }

  async reveal(task: SecAggUnmaskTask, tamper = false): Promise<Response> {
    const body = this.timed(() => JSON.stringify(this.revealBody(task, tamper)));
    return this.send(this.path(task.roundId, task.attempt, 'reveal'), body);
  }

  /**
   * Does whatever the server's task asks (keys, shares, masked upload of `update(task)`, reveal).
   * Returns the task it acted on.
   */
  async step(update: (task: TrainTask, base: Float32Array) => SecureUpdate): Promise<ClientTask> {
    const task = await this.client.task();
    let res: Response | null = null;
    if (task.kind === 'secagg-keys') res = await this.keys(task);
    else if (task.kind === 'secagg-shares') res = await this.shares(task);
    else if (task.kind === 'train') {
      const base = await this.client.model(task.baseModelHash);
      res = await this.masked(task, base, update(task, base));
    } else if (task.kind === 'secagg-unmask') res = await this.reveal(task);
    if (res && res.status >= 300) throw new Error(`${task.kind} refused: ${res.status} ${await res.text()}`);
    return task;
  }
}
