// Issue 19, a clinic's side of secure aggregation: its round secrets survive an app restart, it
// refuses a member list that puts other keys under its index or a threshold below the rule, three clinics' masked uploads
// unmask to their sum, it reveals once, and a value outside the range is refused before sending.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFixed, FixedPointError, secAggRoundLabel, unmaskSum, type Advertisement } from '../../../platform/secagg';
import { unb64, type SecAggMember, type SecAggSharesTask, type SecureTrain } from '../../../shared/wire';
import { openNodeDb, type Db } from '../storage/node-db';
import { SecAggSession } from './secagg-session';

const FED = 'f'.repeat(64);
const dirs: string[] = [];
const dbs: Db[] = [];
afterAll(() => {
  for (const d of dbs) d.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function clinicDb(): { dir: string; db: Db } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fairfal-secagg-session-'));
  dirs.push(dir);
  const db = openNodeDb(dir, 'process-crash');
  dbs.push(db);
  return { dir, db };
}

const task = (index: number, members: SecAggMember[], threshold = 3): SecAggSharesTask => ({ kind: 'secagg-shares', cycle: 0 as never, deadline: new Date().toISOString(), roundId: 4 as never, attempt: 0, index, threshold, members });
const FRACTION = 2 / 3;

describe('secure aggregation: the clinic session', () => {
  it('keeps its secrets across a restart, refuses a forged member list, and three sessions unmask to the sum', async () => {
    const clinics = [clinicDb(), clinicDb(), clinicDb()];
    const sessions = clinics.map((c) => new SecAggSession(c.db, () => FED));
    const keys = sessions.map((s) => s.keys(4, 0));
    // The app restarts: the same database gives the same keys (nothing was lost or redrawn).
    const reopened = new SecAggSession(clinics[0]!.db, () => FED);
    expect(reopened.keys(4, 0)).toEqual(keys[0]);
    const members: SecAggMember[] = keys.map((k, i) => ({ index: i + 1, ...k }));
    // The server swaps clinic 1's keys for clinic 2's under index 1: refused.
    const forged = members.map((m) => (m.index === 1 ? { ...members[1]!, index: 1 } : m));
    await expect(sessions[0]!.shares(task(1, forged), FRACTION)).rejects.toThrow(/lists other keys under this clinic's index 1/);
    // A threshold below the federation's rule (2 of 3: a sum of two would tell each the other's update): refused.
    await expect(sessions[0]!.shares(task(1, members, 2), FRACTION)).rejects.toThrow(/asks for 2 of 3 survivors .* needs 3/);
    // Shares, relayed as the server would.
    const sealed = await Promise.all(sessions.map(async (s, i) => (await s.shares(task(i + 1, members), FRACTION))!.shares.map((x) => ({ from: i + 1, ...x }))));
    const values = [Float64Array.from({ length: 50 }, (_, j) => j / 100), Float64Array.from({ length: 50 }, () => -0.25), Float64Array.from({ length: 50 }, (_, j) => Math.sin(j))];
    const uploads = new Map<number, Uint32Array>();
    for (const [i, s] of sessions.entries()) {
      const sa: SecureTrain = { attempt: 0, index: i + 1, threshold: 3, members, incoming: sealed.flat().filter((x) => x.to === i + 1), kind: 'weighted', vectorLength: 50, scaleBits: 20, range: 8, weightCap: 200, normBound: 100 };
      const body = s.maskedUpload(4, sa, values[i]!)!;
      uploads.set(i + 1, new Uint32Array(body.buffer, body.byteOffset, body.byteLength / 4));
    }
    const unmask = { kind: 'secagg-unmask' as const, cycle: 0 as never, deadline: new Date().toISOString(), roundId: 4 as never, attempt: 0, threshold: 3, survivors: [1, 2, 3], dropped: [] };
    // An unmask task naming another threshold than the shares were made for reveals nothing.
    expect(() => sessions[0]!.reveal({ ...unmask, threshold: 2 }, null)).toThrow(/names threshold 2, the shares were made for 3/);
    const reveals = sessions.map((s) => s.reveal(unmask, null)!);
    // Once per attempt: asked again, a clinic reveals nothing more.
    expect(sessions[0]!.reveal(unmask, null)).toBeNull();
    const selfSeedShares = new Map<number, Uint8Array[]>();
    for (const r of reveals) for (const x of r.selfSeed) selfSeedShares.set(x.of, [...(selfSeedShares.get(x.of) ?? []), unb64(x.share)]);
    const ads: Advertisement[] = members.map((m) => ({ index: m.index, publicKey: unb64(m.maskKey), encryptionKey: unb64(m.encryptionKey), selfSeedCommitment: unb64(m.selfSeedCommitment), privateKeyCommitment: unb64(m.maskKeyCommitment) }));
    const sum = decodeFixed(await unmaskSum({ round: secAggRoundLabel(FED, 4, 0), threshold: 3, length: 50, advertisements: ads, uploads, selfSeedShares, privateKeyShares: new Map() }), { scaleBits: 20, range: 8 });
    for (let j = 0; j < 50; j++) expect(sum[j]).toBeCloseTo(values[0]![j]! + values[1]![j]! + values[2]![j]!, 5);
  });

  it('refuses to send a value outside the range, and forgets a round it sits out', async () => {
    const { db } = clinicDb();
    const s = new SecAggSession(db, () => FED);
    const k = s.keys(7, 1);
    const members = [1, 2, 3].map((index) => ({ index, ...k }));
    const sa: SecureTrain = { attempt: 1, index: 1, threshold: 2, members, incoming: [], kind: 'weighted', vectorLength: 2, scaleBits: 20, range: 8, weightCap: 200, normBound: 100 };
    expect(() => s.maskedUpload(7, sa, Float64Array.from([1, 9.5]))).toThrow(FixedPointError);
    expect(s.holds(7, 1)).toBe(true);
    s.forget(7, 1);
    expect(s.holds(7, 1)).toBe(false);
    expect(s.maskedUpload(7, sa, Float64Array.from([1, 2]))).toBeNull();
  });
});
