// The client node's one SQLite file (<dataDir>/node.sqlite): the vault index, import journal,
// the cycle state machine, the federation outbox. SQLite rather than JSON-lines because the
// gallery pages and filters thousands of rows, and because every state change of the cycle
// must be atomic with the rows it touches (a queue and its step commit together or not at all).
// WAL + synchronous=FULL (platform/sqlite): a committed step survives a killed process and a
// power cut; the file is owner-only.
import path from 'node:path';
import type { z } from 'zod';
import { openSqlite, type Db, type Durability } from '../../../platform/sqlite';
import { NODE_MIGRATIONS } from './migrations';

export type { Db };

export const NODE_DB_FILE = 'node.sqlite';

export function openNodeDb(dataDir: string, durability: Durability = 'power-cut'): Db {
  return openSqlite(path.join(dataDir, NODE_DB_FILE), { migrations: NODE_MIGRATIONS, programName: 'this app', durability });
}

/** A typed key/value row: JSON validated with its schema on every read (disk is a boundary). */
export class KvCell<S extends z.ZodType> {
  constructor(
    private readonly db: Db,
    private readonly key: string,
    private readonly schema: S,
  ) {}

  get(): z.infer<S> | null {
    const row = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(this.key) as { value: string } | undefined;
    if (!row) return null;
    const parsed = this.schema.safeParse(JSON.parse(row.value));
    if (!parsed.success) throw new Error(`stored ${this.key} is invalid: ${parsed.error.issues[0]?.message ?? 'schema mismatch'}`);
    return parsed.data;
  }

  set(value: z.input<S>): void {
    const valid = this.schema.parse(value);
    this.db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(this.key, JSON.stringify(valid));
  }

  delete(): void {
    this.db.prepare('DELETE FROM kv WHERE key = ?').run(this.key);
  }
}
