// kill -9 at the interesting points of the write path (and at random moments), restart on the
// same data directory, and check the state is consistent: no accepted update lost or counted
// twice, every referenced blob present and matching its hash, one open round at most.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fedAvg } from '../core/aggregation';
import { createFederation } from './domain/create-federation';
import { TestClient, shifted, tempDataDir, testConfig, updateFor } from './testing/harness';
import { SecureTestClient } from './testing/secure-client';

const CHILD = path.join(import.meta.dirname, 'testing', 'crash-child.ts');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Child {
  url: string;
  proc: ChildProcess;
  exited: Promise<NodeJS.Signals | number | null>;
}

async function startChild(dataDir: string, crashAt?: string): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, FF_DATA_DIR: dataDir, ...(crashAt ? { FF_CRASH_AT: crashAt } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(proc);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.on('exit', (code, signal) => resolve(signal ?? code)));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.once('line', resolve);
    proc.once('exit', () => reject(new Error('child exited before listening')));
  });
  return { url: (JSON.parse(line) as { url: string }).url, proc, exited };
}

function setup(paramCount = 2000) {
  const dataDir = tempDataDir();
  dirs.push(dataDir);
  const initial = Float32Array.from({ length: paramCount }, (_, i) => Math.cos(i));
  const created = createFederation({ dataDir, config: testConfig({ minClientsPerRound: 3, roundsPerCycle: 3, maxUpdateNorm: 1e6 }), initialWeights: initial });
  return { dataDir, initial, adminToken: created.adminToken };
}

async function enrolThree(url: string, adminToken: string): Promise<TestClient[]> {
  const res = await fetch(`${url}/v1/admin/enrolment-codes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ count: 3 }),
  });
  const { codes } = (await res.json()) as { codes: string[] };
  return Promise.all(codes.map((c) => TestClient.enrol(url, c)));
}

/** Invariants that must hold in any state reachable by crashing. */
function checkConsistency(dataDir: string, opts: { allowTempFiles?: boolean } = {}) {
  const db = new Database(path.join(dataDir, 'federation.sqlite'), { readonly: true });
  try {
    const open = db.prepare("SELECT COUNT(*) AS n FROM rounds WHERE status = 'open'").get() as { n: number };
    const fed = db.prepare('SELECT phase, latest_hash FROM federation').get() as { phase: string; latest_hash: string };
    expect(open.n).toBe(fed.phase === 'training' ? 1 : 0);
    for (const r of db.prepare("SELECT id, result_hash FROM rounds WHERE status = 'closed'").all() as { id: number; result_hash: string }[]) {
      const updates = db.prepare('SELECT client_id FROM updates WHERE round_id = ? UNION SELECT client_id FROM secagg_uploads WHERE round_id = ? ORDER BY client_id').all(r.id, r.id);
      const lineage = db.prepare('SELECT client_id FROM lineage WHERE round_id = ? ORDER BY client_id').all(r.id);
      expect(lineage).toEqual(updates); // every accepted update counted exactly once
      expect(db.prepare('SELECT 1 FROM model_versions WHERE hash = ?').get(r.result_hash)).toBeDefined();
    }
    for (const { hash } of db.prepare('SELECT hash FROM model_versions').all() as { hash: string }[]) {
      const file = path.join(dataDir, 'blobs', hash);
      expect(existsSync(file)).toBe(true);
      expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(hash);
    }
    const openUpdates = db.prepare("SELECT body_hash FROM updates u JOIN rounds r ON r.id = u.round_id WHERE r.status = 'open'").all() as { body_hash: string }[];
    for (const u of openUpdates) expect(existsSync(path.join(dataDir, 'blobs', u.body_hash))).toBe(true);
    // A kill mid-write leaves a temp file; startup removes it (checked after a clean restart).
    if (!opts.allowTempFiles) expect(readdirSync(path.join(dataDir, 'blobs')).some((n) => n.startsWith('.tmp-'))).toBe(false);
  } finally {
    db.close();
  }
}

describe('crash safety (kill -9 in a child process)', () => {
  it('killed during aggregation (new version on disk, round not closed): restart re-aggregates once, identically', async () => {
    const { dataDir, initial, adminToken } = setup();
    let child = await startChild(dataDir, 'aggregate:blobs-written');
    const clients = await enrolThree(child.url, adminToken);
    const counts = [3, 5, 8];
    const bodies: Uint8Array[] = [];
    const weights: Float32Array[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await clients[i]!.trainTask();
      weights.push(shifted(initial, i + 1));
      bodies.push(updateFor(t, weights[i]!, counts[i]!));
      if (i < 2) expect((await clients[i]!.upload(t.roundId, bodies[i]!)).status).toBe(201);
    }
    // The third upload triggers aggregation, which is killed: no response.
    await expect(clients[2]!.upload(1, bodies[2]!)).rejects.toThrow();
    expect(await child.exited).toBe('SIGKILL');

    child = await startChild(dataDir);
    const url = child.url;
    const again = clients.map((c) => new TestClient(url, c.credential));
    // Retry of the update whose response was lost: stored before the crash -> duplicate.
    const retry = await again[2]!.upload(1, bodies[2]!);
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { duplicate: boolean }).duplicate).toBe(true);
    const next = await again[0]!.trainTask();
    expect(next.roundIndex).toBe(1);
    const expected = fedAvg(weights.map((w, i) => ({ weights: w, sampleCount: counts[i]! })));
    expect(Array.from(await again[0]!.model(next.baseModelHash))).toEqual(Array.from(expected));
    child.proc.kill('SIGKILL');
    await child.exited;
    checkConsistency(dataDir);
  });

  it('killed after the update blob is written but before it is committed: the update was not accepted, a retry is', async () => {
    const { dataDir, initial, adminToken } = setup();
    let child = await startChild(dataDir, 'update:blob-written');
    const [a] = await enrolThree(child.url, adminToken);
    const t = await a!.trainTask();
    const body = updateFor(t, shifted(initial, 1), 2);
    await expect(a!.upload(t.roundId, body)).rejects.toThrow();
    await child.exited;
    child = await startChild(dataDir);
    const a2 = new TestClient(child.url, a!.credential);
    expect((await a2.task()).kind).toBe('train'); // nothing recorded
    expect((await a2.upload(t.roundId, body)).status).toBe(201);
    child.proc.kill('SIGKILL');
    await child.exited;
    checkConsistency(dataDir);
  });

  it('killed after the aggregation commit: restart cleans up and continues', async () => {
    const { dataDir, initial, adminToken } = setup();
    let child = await startChild(dataDir, 'aggregate:committed');
    const clients = await enrolThree(child.url, adminToken);
    for (const [i, c] of clients.entries()) {
      const t = await c.trainTask();
      const p = c.upload(t.roundId, updateFor(t, shifted(initial, 0.1), 1));
      if (i < 2) expect((await p).status).toBe(201);
      else await expect(p).rejects.toThrow();
    }
    await child.exited;
    checkConsistency(dataDir);
    child = await startChild(dataDir);
    const t = await new TestClient(child.url, clients[0]!.credential).trainTask();
    expect(t.roundIndex).toBe(1);
    child.proc.kill('SIGKILL');
    await child.exited;
    checkConsistency(dataDir);
    // Update bodies of the closed round were garbage-collected at restart.
    expect(readdirSync(path.join(dataDir, 'blobs'))).toHaveLength(2);
  });

  it('killed at random moments under concurrent uploads: always consistent, always recoverable', async () => {
    const { dataDir, initial, adminToken } = setup(20_000);
    let child = await startChild(dataDir);
    const clients = await enrolThree(child.url, adminToken);
    for (let iteration = 0; iteration < 5; iteration++) {
      const url = child.url;
      const cs = clients.map((c) => new TestClient(url, c.credential));
      const work = cs.map(async (c, i) => {
        for (let k = 0; k < 6; k++) {
          const t = await c.task();
          if (t.kind !== 'train') return;
          await c.upload(t.roundId, updateFor(t, shifted(initial, 0.01 * (i + 1)), i + 1));
        }
      });
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 80)));
      child.proc.kill('SIGKILL');
      await Promise.allSettled(work);
      await child.exited;
      checkConsistency(dataDir, { allowTempFiles: true });
      child = await startChild(dataDir);
    }
    child.proc.kill('SIGKILL');
    await child.exited;
    checkConsistency(dataDir);
  });

  // Issue 19: a secure round survives kill -9 at its most delicate point (a survivor's shares
  // stored, the sum not yet unmasked). After the restart the other survivors reveal, the server
  // unmasks the same sum, and at no point does a file on disk hold a clinic's update.
  it('secure aggregation: killed mid-round after a reveal is stored, the restarted server unmasks the same sum', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const initial = Float32Array.from({ length: 2000 }, (_, i) => Math.cos(i));
    const created = createFederation({ dataDir, config: testConfig({ minClientsPerRound: 3, roundsPerCycle: 2, maxUpdateNorm: 1e6, secureAggregation: {} }), initialWeights: initial });
    let child = await startChild(dataDir, 'reveal:committed');
    const clients = await enrolThree(child.url, created.adminToken);
    const secure = clients.map((c) => new SecureTestClient(c, created.initialModelHash));
    const update = (k: number) => (_t: unknown, base: Float32Array) => ({ weights: base.map((v, i) => v + 0.01 * (k + 1) * Math.sin(i)), labelCount: k + 2 });
    let died = false;
    void child.exited.then(() => (died = true));
    for (let guard = 0; guard < 500 && !died; guard++) {
      for (const [k, c] of secure.entries()) await c.step(update(k)).catch(() => undefined);
    }
    expect(await child.exited).toBe('SIGKILL');
    checkConsistency(dataDir, { allowTempFiles: true });
    const plainBytes = secure.map((_, k) => Buffer.from(new Float32Array(update(k)(null, initial).weights.subarray(50, 66)).buffer));
    const noPlainOnDisk = () => {
      for (const f of readdirSync(path.join(dataDir, 'blobs'))) for (const b of plainBytes) expect(readFileSync(path.join(dataDir, 'blobs', f)).indexOf(b)).toBe(-1);
    };
    noPlainOnDisk();

    child = await startChild(dataDir);
    for (const c of secure) c.client = new TestClient(child.url, c.client.credential);
    const status = async () => (await (await fetch(`${child.url}/status`, { headers: { authorization: `Bearer ${created.adminToken}` } })).json()) as { recentRounds: { status: string; resultModelHash: string | null }[] };
    for (let guard = 0; guard < 500 && !(await status()).recentRounds.some((r) => r.status === 'closed'); guard++) {
      for (const [k, c] of secure.entries()) await c.step(update(k));
    }
    const closed = (await status()).recentRounds.find((r) => r.status === 'closed');
    const model = await secure[0]!.client.model(closed!.resultModelHash!);
    const expected = fedAvg(secure.map((_, k) => ({ weights: update(k)(null, initial).weights, sampleCount: k + 2 })));
    expect(model.reduce((m, v, i) => Math.max(m, Math.abs(v - (expected[i] as number))), 0)).toBeLessThan(1e-5);
    noPlainOnDisk();
    child.proc.kill('SIGKILL');
    await child.exited;
    checkConsistency(dataDir);
  });
});
