import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openNodeDb, type Db } from '../storage/node-db';
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
