// The one way the app, the server and the CLI open SQLite: an owner-only file (SQLite gives
// its -wal and -shm files the database file's mode), WAL with synchronous=FULL so a committed
// transaction survives a killed process and a power cut, and numbered migrations.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './private-fs';

export type Db = Database.Database;

/** Append only: a migration that has shipped is never edited. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class DatabaseVersionError extends Error {
  override readonly name = 'DatabaseVersionError';
}

export interface OpenSqliteOptions {
  migrations: readonly Migration[];
  foreignKeys?: boolean;
  /** Says what to upgrade when the file is newer than this program, e.g. 'this server'. */
  programName: string;
  /**
   * 'power-cut' (default): synchronous=FULL, a commit survives a power cut. 'process-crash':
   * synchronous=NORMAL, which in WAL mode still survives a killed process (the simulator's
   * clinics, whose only failure is an interrupted run) without an fsync per commit.
   */
  durability?: Durability;
}

export type Durability = 'power-cut' | 'process-crash';

export function openSqlite(file: string, o: OpenSqliteOptions): Db {
  ensurePrivateDir(path.dirname(file));
  if (!existsSync(file)) closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, PRIVATE_FILE_MODE);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(o.durability === 'process-crash' ? 'synchronous = NORMAL' : 'synchronous = FULL');
  if (o.foreignKeys) db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, file, o);
  return db;
}

function migrate(db: Db, file: string, o: OpenSqliteOptions): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = o.migrations[o.migrations.length - 1]?.version ?? 0;
  if (current > latest) {
    db.close();
    throw new DatabaseVersionError(`${path.basename(file)} has schema version ${current}, newer than ${o.programName} knows (${latest}); upgrade ${o.programName}`);
  }
  for (const m of o.migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
