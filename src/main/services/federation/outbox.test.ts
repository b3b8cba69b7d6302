import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FederationConfigSchema } from '../../../shared/wire';
import { openNodeDb, type Db } from '../storage/node-db';
import { FederationLink } from './link';
import { Outbox, backoffMs } from './outbox';
import { FileSecretStore } from './secret-store';

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function tempDb(): { db: Db; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fairfal-outbox-'));
  const db = openNodeDb(dir);
  cleanup.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => {
      db.close();
    },
  );
  return { db, dir };
}

/** A stand-in server that records every POST it accepts, optionally dropping the reply of the first one. */
async function fakeServer(port = 0, opts: { loseFirstReply?: boolean } = {}): Promise<{ server: Server; url: string; port: number; received: string[] }> {
  const received: string[] = [];
  let lost = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(`${req.url} ${Buffer.concat(chunks).length}`);
      if (opts.loseFirstReply && !lost) {
        lost = true;
        req.socket.destroy(); // the server got it, the client never hears back
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const p = (server.address() as AddressInfo).port;
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { server, url: `http://127.0.0.1:${p}`, port: p, received };
}

async function freePort(): Promise<number> {
  const s = await fakeServer();
  await new Promise<void>((r) => s.server.close(() => r()));
  return s.port;
}


/** A stand-in that answers configured paths with an error body and accepts the rest. */
async function refusingServer(): Promise<{ url: string; accepted: string[]; attempts: string[]; refuse: Map<string, [number, string, string]> }> {
  const accepted: string[] = [];
  const attempts: string[] = [];
  const refuse = new Map<string, [number, string, string]>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '';
      attempts.push(url);
      const r = refuse.get(url);
      if (r) {
        res.writeHead(r[0], { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: r[1], message: r[2] } }));
        return;
      }
      accepted.push(url);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, accepted, attempts, refuse };
}

function fakeFederation() {
  return {
    config: FederationConfigSchema.parse({
      name: 'f', classNames: ['a', 'b'], model: { name: 'cnn4conv', inputShape: [28, 28, 3] }, cycles: 1, roundsPerCycle: 1, localEpochs: 1,
      labelingBudgetPerCycle: 10, minClientsPerRound: 1, roundDeadlineSeconds: 60, labelingDeadlineSeconds: 60,
    }),
    initialModelHash: 'a'.repeat(64),
    paramCount: 10,
  };
}

const item = (key: string, p: string) => ({ key, kind: 'ready' as const, path: p, contentType: 'application/json', body: new TextEncoder().encode('{}') });

describe('outbox', () => {
  it('keeps reports while offline, drains them when the server is back, and never sends one twice', async () => {
    const { db } = tempDb();
    let now = 1_000_000;
    const outbox = new Outbox(db, () => now);
    const port = await freePort();
    const http = { baseUrl: `http://127.0.0.1:${port}`, credential: 'x', timeoutMs: 2000 };

    expect(outbox.enqueue(item('ready:0', 'v1/cycles/0/ready'))).toBe(true);
    expect(outbox.enqueue(item('gamma:0', 'v1/cycles/0/gamma'))).toBe(true);
    expect(outbox.enqueue(item('ready:0', 'v1/cycles/0/ready'))).toBe(false); // same key: stored once

    const offline = await outbox.drain(http);
    expect(offline).toMatchObject({ delivered: 0, pending: 2, offline: true });
    // Backoff: not retried before it is due, unless forced.
    expect(outbox.nextDueInMs()).toBeGreaterThan(0);
    expect((await outbox.drain(http)).delivered).toBe(0);

    const srv = await fakeServer(port);
    now += 120_000;
    // A restart in between: a fresh Outbox over the same database finds both reports.
    const reopened = new Outbox(db, () => now);
    const online = await reopened.drain(http);
    expect(online).toMatchObject({ delivered: 2, pending: 0, offline: false });
    expect(srv.received).toEqual(['/v1/cycles/0/ready 2', '/v1/cycles/0/gamma 2']);

    // Delivered reports are never resent, even if enqueued again or drained again.
    expect(reopened.enqueue(item('ready:0', 'v1/cycles/0/ready'))).toBe(false);
    await reopened.drain(http, true);
    expect(srv.received).toHaveLength(2);
  });

  it('resends after a lost reply (the server deduplicates by key) and keeps the order', async () => {
    const { db } = tempDb();
    const outbox = new Outbox(db, () => 0);
    const srv = await fakeServer(0, { loseFirstReply: true });
    const http = { baseUrl: srv.url, credential: 'x', timeoutMs: 2000 };
    outbox.enqueue(item('update:1', 'v1/rounds/1/update'));
    expect((await outbox.drain(http)).offline).toBe(true);
    expect(outbox.get('update:1')?.attempts).toBe(1);
    expect((await outbox.drain(http, true)).delivered).toBe(1);
    expect(srv.received).toEqual(['/v1/rounds/1/update 2', '/v1/rounds/1/update 2']);
  });

  it('keeps a report refused as wrong_phase and sends it once the phase opens; a refusal does not hold back the next report', async () => {
    const { db } = tempDb();
    let now = 1_000_000;
    const outbox = new Outbox(db, () => now);
    const srv = await refusingServer();
    const http = { baseUrl: srv.url, credential: 'x', timeoutMs: 2000 };
    srv.refuse.set('/v1/cycles/0/ready', [409, 'wrong_phase', 'ready is reported in the labeling phase; now: training, cycle 0']);
    outbox.enqueue(item('ready:0', 'v1/cycles/0/ready'));
    outbox.enqueue(item('gamma:0', 'v1/cycles/0/gamma'));
    const first = await outbox.drain(http);
    // Not delivered, not dropped: still pending, and the gamma behind it went through.
    expect(first).toMatchObject({ delivered: 1, dropped: 0, pending: 1 });
    expect(outbox.isDelivered('ready:0')).toBe(false);
    expect(outbox.get('ready:0')?.last_error).toMatch(/labeling phase/);
    // The real ready for cycle 0 (same key) is not swallowed by the refused one.
    outbox.enqueue(item('ready:0', 'v1/cycles/0/ready'));
    expect(outbox.pendingCount()).toBe(1);
    // Waiting out its backoff: not resent yet.
    expect((await outbox.drain(http)).delivered).toBe(0);
    srv.refuse.delete('/v1/cycles/0/ready');
    now += 120_000;
    expect(await outbox.drain(http)).toMatchObject({ delivered: 1, pending: 0 });
    expect(srv.accepted).toEqual(['/v1/cycles/0/gamma', '/v1/cycles/0/ready']);
  });

  it('a report marked refused by an older version is stored again when it is reported again', async () => {
    const { db } = tempDb();
    const outbox = new Outbox(db, () => 0);
    outbox.enqueue(item('ready:0', 'v1/cycles/0/ready'));
    db.prepare("UPDATE outbox SET delivered_at = '2026-01-01T00:00:00.000Z', last_error = 'refused: POST v1/cycles/0/ready: ready is reported in the labeling phase' WHERE key = 'ready:0'").run();
    expect(outbox.enqueue(item('ready:0', 'v1/cycles/0/ready'))).toBe(true);
    const srv = await refusingServer();
    expect(await outbox.drain({ baseUrl: srv.url, credential: 'x', timeoutMs: 2000 })).toMatchObject({ delivered: 1, pending: 0 });
    expect(srv.accepted).toEqual(['/v1/cycles/0/ready']);
  });

  it('a newer ready supersedes one the server keeps refusing', async () => {
    const { db } = tempDb();
    let now = 0;
    const outbox = new Outbox(db, () => now);
    const srv = await refusingServer();
    const http = { baseUrl: srv.url, credential: 'x', timeoutMs: 2000 };
    srv.refuse.set('/v1/cycles/0/ready', [409, 'wrong_phase', 'labeling of cycle 0 is over']);
    outbox.enqueue(item('ready:0', 'v1/cycles/0/ready'));
    await outbox.drain(http);
    outbox.enqueue(item('ready:1', 'v1/cycles/1/ready'));
    now += 120_000;
    expect(await outbox.drain(http)).toMatchObject({ delivered: 1, pending: 0 });
    expect(srv.accepted).toEqual(['/v1/cycles/1/ready']);
    expect(outbox.get('ready:0')?.last_error).toMatch(/^superseded/);
  });

  it('drops a stale-round refusal quietly, and surfaces an invalid report as the link error', async () => {
    const { db, dir } = tempDb();
    const srv = await refusingServer();
    srv.refuse.set('/v1/rounds/1/update', [409, 'stale_round', 'round 1 is closed']);
    srv.refuse.set('/v1/rounds/2/update', [422, 'invalid_update', 'update has 3 parameters, expected 10']);
    const link = new FederationLink({ db, dataDir: dir, secrets: new FileSecretStore(path.join(dir, 'secrets')) });
    db.prepare("INSERT INTO kv (key, value) VALUES ('federation.enrolment', ?)").run(
      JSON.stringify({ serverUrl: srv.url, clientId: 'cl_x', displayName: null, enrolledAt: new Date(0).toISOString(), federation: fakeFederation() }),
    );
    await new FileSecretStore(path.join(dir, 'secrets')).save('federation-credential', `ffc_${'a'.repeat(43)}`);
    expect(await link.restore()).toBe(true);
    link.outbox.enqueue({ ...item('update:1', 'v1/rounds/1/update'), kind: 'update' });
    const stale = await link.flush();
    expect(stale).toMatchObject({ dropped: 1, pending: 0, invalid: [] });
    expect(link.lastError).toBeNull();
    link.outbox.enqueue({ ...item('update:2', 'v1/rounds/2/update'), kind: 'update' });
    const bad = await link.flush();
    expect(bad).toMatchObject({ dropped: 1, pending: 0 });
    expect(bad.invalid).toEqual([{ key: 'update:2', error: expect.stringMatching(/expected 10/) as unknown as string }]);
    expect(link.lastError).toMatch(/update:2.*invalid.*expected 10/);
    // It is not resent.
    await link.flush(true);
    expect(srv.attempts.filter((u) => u === '/v1/rounds/2/update')).toHaveLength(1);
  });

  it('backoff doubles from 1 s and is capped at 60 s', () => {
    expect(backoffMs(1, () => 0.5)).toBe(1000);
    expect(backoffMs(3, () => 0.5)).toBe(4000);
    expect(backoffMs(30, () => 0.5)).toBe(60_000);
  });
});

describe('file secret store', () => {
  it('keeps the credential in a 0600 file and forgets it on remove', async () => {
    const { dir } = tempDb();
    const store = new FileSecretStore(path.join(dir, 'secrets'));
    await store.save('federation-credential', 'ffc_secret');
    expect(await store.load('federation-credential')).toBe('ffc_secret');
    expect(statSync(path.join(dir, 'secrets', 'federation-credential.secret')).mode & 0o777).toBe(0o600);
    await store.remove('federation-credential');
    expect(await store.load('federation-credential')).toBeNull();
  });
});
