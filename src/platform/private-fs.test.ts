import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobStore } from './blob-store';
import { DurableFiles } from './durable-files';
import { ensurePrivateDataDir, writeFileAtomicSync } from './private-fs';
import { openSqlite } from './sqlite';

const MIGRATIONS = [{ version: 1, name: 't', sql: 'CREATE TABLE t (x)' }];

const mode = (p: string) => statSync(p).mode & 0o777;
let root: string;
let oldUmask: number;
beforeEach(() => {
  oldUmask = process.umask(0o022); // the usual umask: without care files would be 0644
  root = mkdtempSync(join(tmpdir(), 'private-'));
});
afterEach(() => {
  process.umask(oldUmask);
  rmSync(root, { recursive: true, force: true });
});

describe('owner-only data files under umask 022', () => {
  it('databases (with their WAL), blobs, durable and atomic files and their folders are 0600 / 0700', async () => {
    const data = join(root, 'data');
    const db = openSqlite(join(data, 'node.sqlite'), { migrations: MIGRATIONS, programName: 'test' });
    db.prepare('INSERT INTO t VALUES (1)').run();
    expect(mode(data)).toBe(0o700);
    for (const f of readdirSync(data).filter((n) => n.startsWith('node.sqlite'))) expect([f, mode(join(data, f))]).toEqual([f, 0o600]);
    expect(readdirSync(data)).toContain('node.sqlite-wal');
    db.close();
    const server = join(root, 'server');
    openSqlite(join(server, 'federation.sqlite'), { migrations: MIGRATIONS, programName: 'test' }).close();
    expect(mode(join(server, 'federation.sqlite'))).toBe(0o600);
    const blobs = new BlobStore(server);
    const h = blobs.put(new Uint8Array([1, 2, 3]));
    const h2 = await blobs.putAsync(new Uint8Array([4]));
    expect([mode(blobs.dir), mode(blobs.pathOf(h)), mode(blobs.pathOf(h2))]).toEqual([0o700, 0o600, 0o600]);
    const media = join(root, 'vault', 'media', 'ab', 'abcd.webp');
    await new DurableFiles().write(media, new Uint8Array([9]));
    expect([mode(join(root, 'vault', 'media', 'ab')), mode(media)]).toEqual([0o700, 0o600]);
    const atomic = join(root, 'models', 'm.f32');
    writeFileAtomicSync(atomic, new Uint8Array([7]));
    expect([mode(join(root, 'models')), mode(atomic)]).toEqual([0o700, 0o600]);
  });

  it('tightens a data folder from before the rule on start, without following symlinks', () => {
    const data = join(root, 'old');
    mkdirSync(join(data, 'vault', 'media'), { recursive: true, mode: 0o755 });
    writeFileSync(join(data, 'node.sqlite'), 'x', { mode: 0o644 });
    writeFileSync(join(data, 'vault', 'media', 'a.webp'), 'x', { mode: 0o644 });
    const outside = join(root, 'outside.txt');
    writeFileSync(outside, 'x', { mode: 0o644 });
    symlinkSync(outside, join(data, 'link'));
    chmodSync(data, 0o755);
    const r = ensurePrivateDataDir(data);
    expect(r.tightened).toBeGreaterThanOrEqual(4);
    expect([mode(data), mode(join(data, 'vault')), mode(join(data, 'vault', 'media')), mode(join(data, 'node.sqlite')), mode(join(data, 'vault', 'media', 'a.webp'))]).toEqual([
      0o700, 0o700, 0o700, 0o600, 0o600,
    ]);
    expect(mode(outside)).toBe(0o644);
    // Already private: no walk on the next start.
    expect(ensurePrivateDataDir(data).tightened).toBe(0);
    expect(existsSync(join(data, 'link'))).toBe(true);
  });
});
