// Test harness (used by the *.test.ts files and the benchmark): a federation in a temp dir,
// an in-process server on port 0, and a minimal HTTP client speaking the wire contract.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  EnrolResponseSchema,
  ClientTaskSchema,
  encodeUpdate,
  StatusSchema,
  decodeModelBlob,
  type FederationConfigInput,
  type ClientTask,
  type TrainTask,
  type EnrolResponse,
  ModelHashSchema,
  type Status,
} from '../../shared/wire';
import { createFederation } from '../domain/create-federation';
import { minimalFederationConfig } from '../../shared/wire/testing/minimal-config';
import { jsonLogger, silentLogger, type Clock, type FaultHook, type Logger } from '../domain/runtime';
import { startServer, type RunningServer } from '../http/server';

export function testConfig(over: Partial<FederationConfigInput> = {}): FederationConfigInput {
  return {
    ...minimalFederationConfig({ model: { name: 'CNN4Conv', inputShape: [28, 28, 3] }, minClientsPerRound: 3, labelingDeadlineSeconds: 600 }),
    queryDeadlineSeconds: 60,
    maxUpdateNorm: 1000,
    // The synthetic updates of these tests move a 64-value model far and declare any count;
    // the bounded-weighting tests (server.weighting.test.ts) set these back.
    maxRelativeUpdateNorm: 1000,
    maxClientWeightShare: 1,
    maxSampleCountStepPerCycle: 1_000_000,
    ...over,
  };
}

export class FakeClock {
  constructor(public t = Date.parse('2026-03-01T00:00:00Z')) {}
  readonly now: Clock = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface Harness {
  server: RunningServer;
  dataDir: string;
  adminToken: string;
  initial: Float32Array;
  initialHash: string;
  clock: FakeClock;
  admin: (method: string, p: string, body?: unknown) => Promise<Response>;
  enrol: (displayName?: string) => Promise<TestClient>;
  status: () => Promise<Status>;
  close: () => Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'fairfal-server-'));
}

export async function createHarness(opts: {
  config?: Partial<FederationConfigInput>;
  paramCount?: number;
  logger?: Logger;
  fault?: FaultHook;
  dataDir?: string;
  /** Another transport for the same server (issue 18's framework evaluation). */
  start?: typeof startServer;
} = {}): Promise<Harness> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const clock = new FakeClock();
  const initial = Float32Array.from({ length: opts.paramCount ?? 64 }, (_, i) => Math.sin(i));
  const created = createFederation({ dataDir, config: testConfig(opts.config), initialWeights: initial, clock: clock.now });
  const server = await (opts.start ?? startServer)({
    dataDir,
    clock: clock.now,
    logger: opts.logger ?? (process.env.FF_TEST_LOG ? jsonLogger('debug') : silentLogger),
    tickIntervalMs: 0,
    pollIntervalMs: 10,
    ...(opts.fault ? { fault: opts.fault } : {}),
  });
  const admin = (method: string, p: string, body?: unknown) =>
    fetch(server.url + p, {
      method,
      headers: { authorization: `Bearer ${created.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const h: Harness = {
    server,
    dataDir,
    adminToken: created.adminToken,
    initial,
    initialHash: created.initialModelHash,
    clock,
    admin,
    enrol: async (displayName) => {
      const codes = (await (await admin('POST', '/v1/admin/enrolment-codes', { count: 1 })).json()) as { codes: string[] };
      return TestClient.enrol(server.url, codes.codes[0] as string, displayName);
    },
    status: async () => StatusSchema.parse(await (await admin('GET', '/status')).json()),
    close: async () => {
      await server.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

export class TestClient {
  constructor(
    readonly url: string,
    readonly credential: string,
    readonly enrolment: EnrolResponse | null = null,
  ) {}

  static async enrol(url: string, code: string, displayName?: string): Promise<TestClient> {
    const res = await fetch(`${url}/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, ...(displayName ? { displayName } : {}) }),
    });
    if (res.status !== 201) throw new Error(`enrol failed: ${res.status} ${await res.text()}`);
    const e = EnrolResponseSchema.parse(await res.json());
    return new TestClient(url, e.credential, e);
  }

  get id(): string {
    if (!this.enrolment) throw new Error('client was not enrolled through this harness');
    return this.enrolment.clientId;
  }

  request(method: string, p: string, body?: BodyInit, contentType = 'application/json'): Promise<Response> {
    return fetch(this.url + p, {
      method,
      headers: { authorization: `Bearer ${this.credential}`, 'content-type': contentType },
      ...(body === undefined ? {} : { body }),
    });
  }

  async task(waitMs = 0): Promise<ClientTask> {
    const res = await this.request('GET', `/v1/task${waitMs ? `?waitMs=${waitMs}` : ''}`);
    if (res.status !== 200) throw new Error(`task failed: ${res.status} ${await res.text()}`);
    return ClientTaskSchema.parse(await res.json());
  }

  async trainTask(): Promise<TrainTask> {
    const t = await this.task();
    if (t.kind !== 'train') throw new Error(`expected a train task, got ${JSON.stringify(t)}`);
    return t;
  }

  /** Downloads a model blob and verifies its sha256 against the hash it was asked for. */
  async model(hash: string): Promise<Float32Array> {
    const res = await this.request('GET', `/v1/models/${hash}`);
    if (res.status !== 200) throw new Error(`model download failed: ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== ModelHashSchema.parse(hash)) throw new Error('model blob does not match its hash');
    return decodeModelBlob(bytes);
  }

  upload(roundId: number, body: Uint8Array): Promise<Response> {
    return this.request('POST', `/v1/rounds/${roundId}/update`, body as BodyInit, 'application/octet-stream');
  }

  json(method: string, p: string, body: unknown): Promise<Response> {
    return this.request(method, p, JSON.stringify(body));
  }
}

/** An update body for a train task: `weights`, or base + `shift` everywhere. */
export function updateFor(task: TrainTask, weights: Float32Array, sampleCount: number, controlDelta?: Float32Array): Uint8Array {
  return encodeUpdate({
    header: { roundId: task.roundId, baseModelHash: task.baseModelHash, sampleCount },
    weights,
    ...(controlDelta ? { controlDelta } : {}),
  });
}

export function shifted(base: Float32Array, shift: number): Float32Array {
  return base.map((v) => v + shift);
}
