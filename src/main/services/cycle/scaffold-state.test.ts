import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openNodeDb } from '../storage/node-db';
import { ClientControlStore } from './scaffold-state';

const dir = mkdtempSync(path.join(tmpdir(), 'fairfal-scaffold-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('client SCAFFOLD control variate store', () => {
  it('starts each cycle at zero, advances per round, and a retrained round starts from the c_i it first used', () => {
    const db = openNodeDb(dir);
    const store = new ClientControlStore(db);
    expect(Array.from(store.forRound(0, 1, 3))).toEqual([0, 0, 0]);
    store.advance(0, 1, new Float32Array(3), Float32Array.from([1, 2, 3]));
    // Round 1 again (crash after advancing, before the upload): the c_i it trained with.
    expect(Array.from(store.forRound(0, 1, 3))).toEqual([0, 0, 0]);
    expect(Array.from(store.forRound(0, 2, 3))).toEqual([1, 2, 3]);
    store.advance(0, 2, Float32Array.from([1, 2, 3]), Float32Array.from([4, 5, 6]));
    expect(Array.from(store.forRound(0, 2, 3))).toEqual([1, 2, 3]);
    // Survives reopening the database.
    db.close();
    const again = new ClientControlStore(openNodeDb(dir));
    expect(Array.from(again.forRound(0, 3, 3))).toEqual([4, 5, 6]);
    // The server zeroes c when a cycle starts; so does the client.
    expect(Array.from(again.forRound(1, 4, 3))).toEqual([0, 0, 0]);
    expect(() => again.forRound(0, 3, 4)).toThrow(/3 values, the model has 4/);
  });
});
