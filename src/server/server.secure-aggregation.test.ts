// Issue 19, secure aggregation through the federation's HTTP API: each round's securely
// aggregated model equals the plaintext aggregate of the same updates (FedAvg with label-count
// weights, SCAFFOLD with its control variate); a stored masked upload is uncorrelated with the
// update and no stored blob holds it; 2 of 10 clinics dropping (after or before their upload)
// still give the right sum; below the threshold the attempt fails without publishing anything
// and the round starts again; a tampered or replayed share is refused.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fedAvg, scaffoldAggregate } from '../core/aggregation';
import { federationEpsilon } from '../core/privacy';
import { encodeFixed } from '../platform/secagg';
import type { ClientTask, FederationConfigInput, TrainTask } from '../shared/wire';
import { createHarness, type Harness, type TestClient, updateFor } from './testing/harness';
import { SecureTestClient, type SecureUpdate } from './testing/secure-client';

const P = 4000;
const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function federation(config: Partial<FederationConfigInput>, clients: number): Promise<{ h: Harness; clients: TestClient[] }> {
  const h = await createHarness({ config: { cycles: 1, roundsPerCycle: 3, minClientsPerRound: clients, ...config }, paramCount: P });
  harnesses.push(h);
  const list: TestClient[] = [];
  for (let k = 0; k < clients; k++) list.push(await h.enrol(`clinic ${k}`));
  return { h, clients: list };
}

/** Clinic k's deterministic update for a round: its own direction, its own label count. */
function updateOf(k: number, roundIndex: number, base: Float32Array, scaffold = false): SecureUpdate {
  const weights = base.map((v, i) => v + 0.01 * Math.sin(i * (k + 1) + roundIndex));
  return { weights, labelCount: [3, 5, 8, 13, 21, 34, 55, 89, 144, 233][k] as number, ...(scaffold ? { controlDelta: Float32Array.from({ length: base.length }, (_, i) => 0.002 * Math.cos(i * (k + 2) + roundIndex)) } : {}) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs every clinic's tasks until `rounds` rounds closed, the federation finished, or nothing
 * moves any more (every clinic waits or is held back by `skip`): then the caller advances the
 * clock past a deadline, or inspects the stalled round.
 */
async function drive(h: Harness, clinics: SecureTestClient[], update: (k: number, t: TrainTask, base: Float32Array) => SecureUpdate, rounds: number, skip: (k: number, t: ClientTask) => boolean = () => false): Promise<'closed' | 'stalled'> {
  let idle = 0;
  for (let guard = 0; guard < 2000; guard++) {
    const s = await h.status();
    if (s.recentRounds.filter((r) => r.status === 'closed').length >= rounds || s.phase === 'finished') return 'closed';
    let acted = false;
    for (const [k, c] of clinics.entries()) {
      const t = await c.client.task();
      if (t.kind === 'wait' || skip(k, t)) continue;
      await c.step((task, base) => update(k, task, base));
      acted = true;
    }
    idle = acted ? 0 : idle + 1;
    if (idle >= 20) return 'stalled';
    await sleep(5);
  }
  throw new Error('the secure rounds did not settle');
}

async function roundModels(h: Harness, c: TestClient): Promise<Float32Array[]> {
  const s = await h.status();
  const closed = s.recentRounds.filter((r) => r.status === 'closed').sort((a, b) => a.roundId - b.roundId);
  return Promise.all(closed.map((r) => c.model(r.resultModelHash as string)));
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe('secure aggregation through the federation API', () => {
  it.each(['fedavg', 'fedprox', 'scaffold'] as const)('secure aggregation: every round of %s equals the plaintext aggregate of the same updates', async (name) => {
    // FedProx differs from FedAvg only in the clinics' training (the proximal term): the server sums the same way.
    const aggregation = name === 'scaffold' ? { name: 'scaffold' as const, globalLearningRate: 1 } : name === 'fedprox' ? { name: 'fedprox' as const, mu: 0.01 } : { name: 'fedavg' as const };
    const secure = await federation({ aggregation, secureAggregation: {} }, 3);
    const plain = await federation({ aggregation }, 3);
    const clinics = secure.clients.map((c) => new SecureTestClient(c, secure.h.initialHash));
    await drive(secure.h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base, name === 'scaffold'), 3);

    // The same updates, sent in the clear, round by round (a plaintext SCAFFOLD round also checks the control variate).
    const expected: Float32Array[] = [];
    for (let r = 0; r < 3; r++) {
      let control: Float32Array | null = null;
      const ups: { weights: Float32Array; controlDelta: Float32Array; count: number }[] = [];
      let base: Float32Array | null = null;
      for (const [k, c] of plain.clients.entries()) {
        const t = await c.trainTask();
        base = await c.model(t.baseModelHash);
        if (t.controlHash) control = await c.model(t.controlHash);
        const u = updateOf(k, t.roundIndex, base, name === 'scaffold');
        ups.push({ weights: u.weights, controlDelta: u.controlDelta ?? new Float32Array(P), count: u.labelCount });
        expect((await c.upload(t.roundId, updateFor(t, u.weights, u.labelCount, u.controlDelta))).status).toBe(201);
      }
      expected.push(name === 'scaffold' ? scaffoldAggregate(base!, control!, ups, 3, 1).weights : fedAvg(ups.map((u) => ({ weights: u.weights, sampleCount: u.count }))));
    }
    const got = await roundModels(secure.h, secure.clients[0]!);
    const plainGot = await roundModels(plain.h, plain.clients[0]!);
    expect(got).toHaveLength(3);
    // The fixed-point tolerance: 3 clinics at range 64 leave 23 fractional bits; each value is off
    // by at most half a step, and FedAvg divides the sum by the weights' sum (labels / weightCap 200).
    const step = 2 ** -23;
    const tolerance = name === 'scaffold' ? (3 * step) / 2 / 3 : (3 * step) / 2 / ((3 + 5 + 8) / 200);
    for (let r = 0; r < 3; r++) {
      expect(maxDiff(plainGot[r]!, expected[r]!)).toBeLessThan(1e-6);
      // float32 rounding of the two paths (each within 1e-6 of the exact aggregate) adds the slack.
      // Each round adds its own error to the model it starts from: round r carries r + 1 of them.
      expect(maxDiff(got[r]!, plainGot[r]!)).toBeLessThan((r + 1) * tolerance + 2e-6);
    }
    // The lineage names the contributors; their label counts stay unknown to the server.
    const s = await secure.h.status();
    for (const v of s.versions.filter((x) => x.kind === 'global')) expect(v.contributors).toHaveLength(3);
  });

  it('secure aggregation: a stored masked upload is uncorrelated with the update, and no blob or log line holds an update', async () => {
    const lines: string[] = [];
    const h = await createHarness({ config: { cycles: 1, roundsPerCycle: 1, minClientsPerRound: 3, secureAggregation: {} }, paramCount: P, logger: (level, msg, fields) => lines.push(JSON.stringify({ level, msg, ...fields })) });
    harnesses.push(h);
    const clinics: SecureTestClient[] = [];
    for (let k = 0; k < 3; k++) clinics.push(new SecureTestClient(await h.enrol(), h.initialHash));
    // Keys, shares, and two of three uploads: the round is open and the uploads are on disk.
    await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1, (k, t) => t.kind === 'train' && k === 2);
    const db = new Database(path.join(h.dataDir, 'federation.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT body_hash FROM secagg_uploads').all() as { body_hash: string }[];
    db.close();
    expect(rows).toHaveLength(2);
    const stored = new Int32Array(readFileSync(path.join(h.dataDir, 'blobs', rows[0]!.body_hash)).buffer.slice(0));
    const plainValues = clinics[0]!.lastContribution!;
    const x = Array.from(stored.subarray(0, P), (v) => v / 2 ** 23);
    const y = Array.from(plainValues.subarray(0, P));
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const [mx, my] = [mean(x), mean(y)];
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < P; i++) {
      sxy += (x[i]! - mx) * (y[i]! - my);
      sxx += (x[i]! - mx) ** 2;
      syy += (y[i]! - my) ** 2;
    }
    expect(Math.abs(sxy / Math.sqrt(sxx * syy))).toBeLessThan(0.06);
    // No stored file holds the update's float bytes or its fixed-point encoding.
    const floats = Buffer.from(new Float32Array(updateOf(0, 0, h.initial).weights.subarray(100, 116)).buffer);
    const fixed = encodeFixed(plainValues.subarray(100, 116), { scaleBits: 23, range: 64 });
    const fixedBytes = Buffer.from(fixed.buffer, fixed.byteOffset, fixed.byteLength);
    // Every file the server keeps: the blobs, the database and its write-ahead log.
    const files = readdirSync(h.dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) {
      const bytes = readFileSync(f);
      expect(bytes.indexOf(floats), f).toBe(-1);
      expect(bytes.indexOf(fixedBytes), f).toBe(-1);
    }
    // Finish the round: the log names stages and counts, never a value of an update.
    await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1);
    expect(lines.some((l) => l.includes('sum unmasked'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/"(weights|norm|sampleCount)"/);
  });

  it('secure aggregation: 2 of 10 clinics dropping after their upload still give the FedAvg of all 10', async () => {
    const { h, clients } = await federation({ roundsPerCycle: 1, secureAggregation: {} }, 10);
    const clinics = clients.map((c) => new SecureTestClient(c, h.initialHash));
    // Clinics 8 and 9 upload, then never reveal; the server unmasks at the deadline with 8 >= t = 7.
    const dropped = (k: number, t: ClientTask) => k >= 8 && t.kind === 'secagg-unmask';
    expect(await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1, dropped)).toBe('stalled');
    h.clock.advance(61_000);
    expect(await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1, dropped)).toBe('closed');
    const [model] = await roundModels(h, clients[0]!);
    // FedAvg weights capped at weightCap (200 labels): clinic 9's 233 labels count as 200.
    const expected = fedAvg(clinics.map((_, k) => ({ weights: updateOf(k, 0, h.initial).weights, sampleCount: Math.min(200, updateOf(k, 0, h.initial).labelCount) })));
    expect(maxDiff(model!, expected)).toBeLessThan(1e-5);
  });

  it('secure aggregation: 2 of 10 clinics dropping before their upload give the FedAvg of the other 8', async () => {
    const { h, clients } = await federation({ roundsPerCycle: 1, secureAggregation: {} }, 10);
    const clinics = clients.map((c) => new SecureTestClient(c, h.initialHash));
    const dropped = (k: number, t: ClientTask) => k >= 8 && t.kind === 'train';
    expect(await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1, dropped)).toBe('stalled');
    h.clock.advance(61_000);
    expect(await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1, dropped)).toBe('closed');
    const [model] = await roundModels(h, clients[0]!);
    const expected = fedAvg(clinics.slice(0, 8).map((_, k) => ({ weights: updateOf(k, 0, h.initial).weights, sampleCount: updateOf(k, 0, h.initial).labelCount })));
    expect(maxDiff(model!, expected)).toBeLessThan(1e-5);
  });

  it('secure aggregation: below the threshold the attempt fails, publishes nothing, and the round starts again', async () => {
    const { h, clients } = await federation({ roundsPerCycle: 1, secureAggregation: {} }, 5);
    const clinics = clients.map((c) => new SecureTestClient(c, h.initialHash));
    // n = 5, t = 4: three clinics skip their upload, two upload, then the deadline passes.
    expect(await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1, (k, t) => k >= 2 && t.kind === 'train')).toBe('stalled');
    h.clock.advance(61_000);
    for (let i = 0; i < 50 && (await clients[0]!.task()).kind !== 'secagg-keys'; i++) await sleep(10);
    const restarted = await clients[0]!.task();
    expect(restarted).toMatchObject({ kind: 'secagg-keys', attempt: 1 });
    const s = await h.status();
    expect(s.versions.filter((v) => v.kind === 'global')).toHaveLength(0);
    const db = new Database(path.join(h.dataDir, 'federation.sqlite'), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM secagg_uploads').get()).toEqual({ n: 0 });
    db.close();
    // Everyone takes part in attempt 1: the round closes with all five.
    expect(await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1)).toBe('closed');
    const [model] = await roundModels(h, clients[0]!);
    const expected = fedAvg(clinics.map((_, k) => ({ weights: updateOf(k, 0, h.initial).weights, sampleCount: updateOf(k, 0, h.initial).labelCount })));
    expect(maxDiff(model!, expected)).toBeLessThan(1e-5);
  });

  it('secure aggregation: 3 clinics, one drops before its upload: the sum of the other two is never unmasked (each would learn the other\'s update)', async () => {
    const { h, clients } = await federation({ roundsPerCycle: 1, secureAggregation: { survivorFraction: 0.51 } }, 3);
    const clinics = clients.map((c) => new SecureTestClient(c, h.initialHash));
    expect(await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1, (k, t) => k === 2 && t.kind === 'train')).toBe('stalled');
    expect((await h.status()).currentRound?.secureAggregation).toMatchObject({ members: 3, threshold: 3 });
    h.clock.advance(61_000);
    for (let i = 0; i < 50 && (await clients[0]!.task()).kind !== 'secagg-keys'; i++) await sleep(10);
    expect(await clients[0]!.task()).toMatchObject({ kind: 'secagg-keys', attempt: 1 });
    expect((await h.status()).versions.filter((v) => v.kind === 'global')).toHaveLength(0);
    const db = new Database(path.join(h.dataDir, 'federation.sqlite'), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM secagg_reveals').get()).toEqual({ n: 0 });
    db.close();
  });

  it('secure aggregation: a tampered share is refused (the others recover the seed); replayed, misplaced or double reveals are refused', async () => {
    const { h, clients } = await federation({ roundsPerCycle: 1, secureAggregation: { survivorFraction: 0.51 } }, 4);
    const clinics = clients.map((c) => new SecureTestClient(c, h.initialHash));
    await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1, (_k, t) => t.kind === 'secagg-unmask');
    const t0 = await clients[0]!.task();
    expect(t0.kind).toBe('secagg-unmask');
    if (t0.kind !== 'secagg-unmask') return;
    // The admin sees the stage and who uploaded (never what).
    const open = (await h.status()).currentRound!;
    expect(open.secureAggregation).toEqual({ attempt: 0, stage: 'unmask', members: 4, threshold: 3 });
    expect(open.reported).toHaveLength(4);
    // A reveal for another attempt, or naming a survivor's key share, is refused.
    expect((await clients[0]!.json('POST', `/v1/rounds/${t0.roundId}/secagg/5/reveal`, clinics[0]!.revealBody(t0))).status).toBe(409);
    const good = clinics[0]!.revealBody(t0);
    const both = { ...good, privateKey: [{ of: good.selfSeed[0]!.of, share: good.selfSeed[0]!.share }] };
    expect((await clients[0]!.json('POST', `/v1/rounds/${t0.roundId}/secagg/${t0.attempt}/reveal`, both)).status).toBe(422);
    // Clinic 0 reveals a tampered share; a second, different reveal is a conflict.
    expect((await clinics[0]!.reveal(t0, true)).status).toBe(200);
    expect((await clients[0]!.json('POST', `/v1/rounds/${t0.roundId}/secagg/${t0.attempt}/reveal`, good)).status).toBe(409);
    for (const k of [1, 2, 3]) expect((await clinics[k]!.reveal((await clients[k]!.task()) as never)).status).toBe(200);
    // Four shares for t = 3: the tampered one fails its commitment, the three others recover the seed.
    expect(await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1)).toBe('closed');
    const [model] = await roundModels(h, clients[0]!);
    const expected = fedAvg(clinics.map((_, k) => ({ weights: updateOf(k, 0, h.initial).weights, sampleCount: updateOf(k, 0, h.initial).labelCount })));
    expect(maxDiff(model!, expected)).toBeLessThan(1e-5);
  });

  it('secure aggregation: with only t reveals and one of them tampered, the attempt fails safely and publishes nothing', async () => {
    const { h, clients } = await federation({ roundsPerCycle: 1, secureAggregation: {} }, 3);
    const clinics = clients.map((c) => new SecureTestClient(c, h.initialHash));
    await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1, (_k, t) => t.kind === 'secagg-unmask');
    expect((await clinics[0]!.reveal((await clients[0]!.task()) as never, true)).status).toBe(200);
    expect((await clinics[1]!.reveal((await clients[1]!.task()) as never)).status).toBe(200);
    // Clinic 2 never reveals; at the deadline 2 reveals meet t = 2, but one share is bad.
    h.clock.advance(61_000);
    for (let i = 0; i < 100 && (await clients[0]!.task()).kind !== 'secagg-keys'; i++) await sleep(10);
    expect(await clients[0]!.task()).toMatchObject({ kind: 'secagg-keys', attempt: 1 });
    expect((await h.status()).versions.filter((v) => v.kind === 'global')).toHaveLength(0);
  });

  it('secure aggregation refuses a plaintext update and a masked upload of the wrong length', async () => {
    const { h, clients } = await federation({ roundsPerCycle: 1, secureAggregation: {} }, 3);
    const clinics = clients.map((c) => new SecureTestClient(c, h.initialHash));
    await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1, (_k, t) => t.kind === 'train');
    const t = await clients[0]!.task();
    expect(t.kind).toBe('train');
    if (t.kind !== 'train') return;
    const plain = await clients[0]!.upload(t.roundId, updateFor(t, h.initial, 3));
    expect(plain.status).toBe(409);
    expect(await plain.text()).toMatch(/secure aggregation/);
    const short = await clients[0]!.request('POST', `/v1/rounds/${t.roundId}/secagg/${t.secureAggregation!.attempt}/masked`, new Uint8Array(100) as BodyInit, 'application/octet-stream');
    expect(short.status).toBe(422);
    expect(await short.text()).toMatch(/16004 bytes/);
  });

  it('differential privacy under secure aggregation: the budget stop ends training, and the clinics are told why', async () => {
    const dp = { noiseMultiplier: 2, clipNorm: 1, weightCap: 10, delta: 1e-5 };
    // A budget one round fits and two do not.
    const targetEpsilon = (federationEpsilon(2, 1, 1e-5) + federationEpsilon(2, 2, 1e-5)) / 2;
    const lines: string[] = [];
    const h = await createHarness({ config: { cycles: 2, roundsPerCycle: 3, minClientsPerRound: 3, differentialPrivacy: { ...dp, targetEpsilon }, secureAggregation: {} }, paramCount: P, logger: (_level, msg) => lines.push(msg) });
    harnesses.push(h);
    const clients: TestClient[] = [];
    for (let k = 0; k < 3; k++) clients.push(await h.enrol(`clinic ${k}`));
    const clinics = clients.map((c) => new SecureTestClient(c, h.initialHash, { ...dp }));
    await drive(h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1);
    const s = await h.status();
    expect(s.phase).toBe('finished');
    expect(s.privacy).toMatchObject({ rounds: 1, budgetSpent: true, targetEpsilon });
    expect(s.privacy!.epsilon).toBeLessThanOrEqual(targetEpsilon);
    expect(await clients[0]!.task()).toMatchObject({ kind: 'finished', reason: 'privacy-budget', privacy: { rounds: 1, epsilon: s.privacy!.epsilon, delta: 1e-5 } });
    expect(lines).toContain('differential privacy: the budget is spent, training stops');
  });

  it('differential privacy with adaptive clipping, secure and central: the clipping norm moves towards the quantile after each round', async () => {
    // Tiny noise (its draws come from the OS's random source): the count's moves the norm by ~3e-4, well inside the tolerance.
    const dp = { noiseMultiplier: 0.0001, clipNorm: 50, weightCap: 10, adaptiveClipping: { targetQuantile: 0.5, learningRate: 0.2, countNoiseMultiplier: 0.0001 } };
    // Secure: every clinic's delta (norm ~0.45) is within 50, so the unclipped fraction is 1 (test clinics add no noise).
    const secure = await federation({ roundsPerCycle: 2, differentialPrivacy: dp, secureAggregation: {} }, 3);
    const clinics = secure.clients.map((c) => new SecureTestClient(c, secure.h.initialHash, { ...dp }));
    await drive(secure.h, clinics, (k, t, base) => updateOf(k, t.roundIndex, base), 1);
    expect((await secure.h.status()).privacy!.clipNorm).toBeCloseTo(50 * Math.exp(-0.2 * 0.5), 9);
    // Central: the server counts (with its own, tiny, count noise here).
    const central = await federation({ roundsPerCycle: 2, differentialPrivacy: dp }, 3);
    for (const [k, c] of central.clients.entries()) {
      const t = await c.trainTask();
      const base = await c.model(t.baseModelHash);
      expect((await c.upload(t.roundId, updateFor(t, updateOf(k, 0, base).weights, 5))).status).toBe(201);
    }
    expect((await central.h.status()).privacy!.clipNorm).toBeCloseTo(50 * Math.exp(-0.2 * 0.5), 1);
  });
});
