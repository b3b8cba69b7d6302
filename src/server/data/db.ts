// Opens the federation's SQLite file under the data directory (owner-only, WAL, migrations).
import path from 'node:path';
import { ensurePrivateDataDir } from '../../platform/private-fs';
import { openSqlite, type Db, type Durability } from '../../platform/sqlite';
import { MIGRATIONS } from './migrations';

export type { Db };

export const DB_FILE = 'federation.sqlite';

export function openDatabase(dataDir: string, durability: Durability = 'power-cut'): Db {
  // Owner-only, contents included (a folder from an older version is tightened once).
  ensurePrivateDataDir(dataDir);
  return openSqlite(path.join(dataDir, DB_FILE), { migrations: MIGRATIONS, foreignKeys: true, programName: 'this server', durability });
}
