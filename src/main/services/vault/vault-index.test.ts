import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openNodeDb, type Db } from '../storage/node-db';
import { VaultIndex } from './vault-index';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function freshIndex(): { db: Db; index: VaultIndex } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fairfal-index-'));
  const db = openNodeDb(dir);
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }), () => db.close());
  const index = new VaultIndex(db);
  index.createImport('imp1', ['/x'], '{}', new Date(0).toISOString());
  return { db, index };
}

const meta = (name: string) => ({ name, sourceKey: `/x/${name}`, sourcePath: `/x/${name}`, source: 'file' as const, fileSize: 1, fileMtimeMs: 0, sourceLabel: null });

describe('VaultIndex batch commits', () => {
  it('runs beforeCommit (the tensor fsync) before the rows that point at the data become visible', async () => {
    const { index } = freshIndex();
    const seen: boolean[] = [];
    const id = 'a'.repeat(64);
    index.beforeCommit = () => seen.push(index.count() === 1);
    const committed = index.insertSample({ id, importId: 'imp1', width: 1, height: 1, importedAt: new Date(0).toISOString(), meta: meta('a.jpg') }, () => undefined);
    index.flush();
    await committed;
    expect(seen).toEqual([false]); // called once, while the sample was not yet committed
    expect(index.count()).toBe(1);
  });

  it('does not commit the batch when beforeCommit fails (e.g. the disk is full)', async () => {
    const { index } = freshIndex();
    index.beforeCommit = () => {
      throw new Error('ENOSPC: no space left on device, fsync');
    };
    const committed = index.insertSample({ id: 'b'.repeat(64), importId: 'imp1', width: 1, height: 1, importedAt: new Date(0).toISOString(), meta: meta('b.jpg') }, () => undefined);
    index.flush();
    await expect(committed).rejects.toThrow(/ENOSPC/);
    expect(index.count()).toBe(0);
  });
});
