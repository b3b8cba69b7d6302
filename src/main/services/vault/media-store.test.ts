import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStore } from './media-store';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('MediaStore', () => {
  it('writes into fan-out folders and recreates a folder deleted while running', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fairfal-media-'));
    dirs.push(dir);
    const store = new MediaStore(dir);
    const a = 'ab'.padEnd(64, '0');
    const b = 'ab'.padEnd(64, '1');
    await store.write('preview', a, Buffer.from('first'));
    expect(readFileSync(store.pathOf('preview', a), 'utf8')).toBe('first');
    rmSync(path.join(dir, 'preview'), { recursive: true });
    await store.write('preview', b, Buffer.from('second'));
    expect(readFileSync(store.pathOf('preview', b), 'utf8')).toBe('second');
    expect(readdirSync(path.dirname(store.pathOf('preview', b))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
