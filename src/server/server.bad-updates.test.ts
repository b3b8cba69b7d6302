// Bad updates are rejected with a clear error and leave no trace: the database and the blob
// directory are byte-for-byte what they were before.
import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeUpdate, type ModelHash, type TrainTask } from '../shared/wire';
import { createHarness, shifted, updateFor, type Harness, type TestClient } from './testing/harness';

let h: Harness;
let a: TestClient;
let b: TestClient;
let task: TrainTask;

beforeEach(async () => {
  h = await createHarness({ paramCount: 256, config: { minClientsPerRound: 2, maxUpdateNorm: 100 } });
  a = await h.enrol();
  b = await h.enrol();
  task = await a.trainTask();
});
afterEach(async () => h.close());

function snapshot(): string {
  const db = h.server.coordinator.store.db;
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  const dump = Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()]));
  return JSON.stringify({ dump, blobs: readdirSync(path.join(h.dataDir, 'blobs')).sort() });
}

async function expectRejected(res: Response, status: number, code: string, message?: RegExp) {
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(res.status).toBe(status);
  expect(body.error.code).toBe(code);
  if (message) expect(body.error.message).toMatch(message);
}

describe('bad updates', () => {
  it('NaN and Infinity', async () => {
    const before = snapshot();
    const w = shifted(h.initial, 0.1);
    w[7] = Number.NaN;
    await expectRejected(await a.upload(task.roundId, updateFor(task, w, 3)), 422, 'invalid_update', /NaN/);
    w[7] = Number.POSITIVE_INFINITY;
    await expectRejected(await a.upload(task.roundId, updateFor(task, w, 3)), 422, 'invalid_update', /Infinity/);
    expect(snapshot()).toBe(before);
  });

  it('wrong shape, wrong vector count and wrong base model', async () => {
    const before = snapshot();
    await expectRejected(await a.upload(task.roundId, updateFor(task, new Float32Array(255), 3)), 422, 'invalid_update', /255 parameters.*256/);
    const two = updateFor(task, h.initial, 3, new Float32Array(256));
    await expectRejected(await a.upload(task.roundId, two), 422, 'invalid_update', /1 vector/);
    const otherBase = { ...task, baseModelHash: 'f'.repeat(64) as ModelHash };
    await expectRejected(await a.upload(task.roundId, updateFor(otherBase, h.initial, 3)), 422, 'invalid_update', /trained from model/);
    const otherRound = encodeUpdate({ header: { roundId: task.roundId, baseModelHash: task.baseModelHash, sampleCount: 1 }, weights: h.initial });
    await expectRejected(await a.upload(task.roundId + 5, otherRound), 404, 'not_found');
    expect(snapshot()).toBe(before);
  });

  it('norm bound and header schema', async () => {
    const before = snapshot();
    await expectRejected(await a.upload(task.roundId, updateFor(task, shifted(h.initial, 10), 3)), 422, 'invalid_update', /norm.*exceeds/);
    const zeroSamples = encodeUpdate({ header: { roundId: task.roundId, baseModelHash: task.baseModelHash, sampleCount: 1 }, weights: h.initial });
    // Patch sampleCount to 0 in the JSON header (same length) to bypass the encoder's check.
    const headerEnd = 8 + new DataView(zeroSamples.buffer).getUint32(4, true);
    const text = new TextDecoder().decode(zeroSamples.subarray(8, headerEnd));
    expect(text).toContain('"sampleCount":1');
    zeroSamples.set(new TextEncoder().encode(text.replace('"sampleCount":1', '"sampleCount":0')), 8);
    await expectRejected(await a.upload(task.roundId, zeroSamples), 422, 'invalid_update', /sampleCount/);
    expect(snapshot()).toBe(before);
  });

  it('oversized, truncated, empty and garbage bodies', async () => {
    const before = snapshot();
    const ok = updateFor(task, h.initial, 3);
    for (const factor of [10, 100]) {
      // 10x is drained then refused; 100x is refused from its Content-Length without reading.
      const huge = new Uint8Array(ok.length * factor);
      huge.set(ok);
      await expectRejected(await a.upload(task.roundId, huge), 413, 'payload_too_large');
    }
    await expectRejected(await a.upload(task.roundId, ok.subarray(0, ok.length - 3)), 422, 'invalid_update', /truncated/);
    await expectRejected(await a.upload(task.roundId, new Uint8Array(0)), 422, 'invalid_update');
    await expectRejected(await a.upload(task.roundId, new TextEncoder().encode('{"weights":[1,2,3]}')), 422, 'invalid_update');
    expect(snapshot()).toBe(before);
  });

  it('a connection that dies mid-body stores nothing and the server stays up', async () => {
    const before = snapshot();
    const ok = updateFor(task, h.initial, 3);
    const { port } = h.server;
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write(
          `POST /v1/rounds/${task.roundId}/update HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${a.credential}\r\n` +
            `Content-Type: application/octet-stream\r\nContent-Length: ${ok.length}\r\n\r\n`,
        );
        s.write(ok.subarray(0, ok.length >> 1), () => setTimeout(() => (s.destroy(), resolve()), 50));
      });
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(snapshot()).toBe(before);
    expect((await fetch(`${h.server.url}/healthz`)).status).toBe(200);
  });

  it('replay: a repeated upload is idempotent and counted once; a different second update conflicts', async () => {
    const body = updateFor(task, shifted(h.initial, 0.5), 3);
    expect((await a.upload(task.roundId, body)).status).toBe(201);
    const afterFirst = snapshot();
    const again = await a.upload(task.roundId, body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ accepted: true, duplicate: true, roundId: task.roundId });
    expect(snapshot()).toBe(afterFirst);
    await expectRejected(await a.upload(task.roundId, updateFor(task, shifted(h.initial, 0.7), 3)), 409, 'conflict', /one update per client/);
    expect(snapshot()).toBe(afterFirst);
    expect((await h.status()).currentRound?.reported).toEqual([a.id]);
  });

  it('concurrent uploads from one client race safely: one stored, the other duplicate or conflict', async () => {
    const body = updateFor(task, shifted(h.initial, 0.5), 3);
    const same = await Promise.all([a.upload(task.roundId, body), a.upload(task.roundId, body)]);
    expect(same.map((r) => r.status).sort()).toEqual([200, 201]);
    const other = await Promise.all([b.upload(task.roundId, updateFor(task, shifted(h.initial, 0.1), 3)), b.upload(task.roundId, updateFor(task, shifted(h.initial, 0.2), 3))]);
    expect(other.map((r) => r.status).sort()).toEqual([201, 409]);
    const closed = (await h.status()).recentRounds.find((r) => r.roundId === task.roundId);
    expect(closed?.reported.sort()).toEqual([a.id, b.id].sort());
  });

  it('stale round: a closed round takes no new update; a retry of an accepted one still answers duplicate', async () => {
    const bodyA = updateFor(task, shifted(h.initial, 0.5), 3);
    await a.upload(task.roundId, bodyA);
    await b.upload(task.roundId, updateFor(task, shifted(h.initial, 0.5), 3));
    const c = await h.enrol();
    const before = snapshot();
    await expectRejected(await c.upload(task.roundId, updateFor(task, shifted(h.initial, 0.5), 3)), 409, 'stale_round', /closed/);
    const retry = await a.upload(task.roundId, bodyA);
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { duplicate: boolean }).duplicate).toBe(true);
    expect(snapshot()).toBe(before);
    const closed = (await h.status()).recentRounds.find((r) => r.roundId === task.roundId);
    expect(closed?.reported).toHaveLength(2);
  });
});
