// Numbered schema migrations. Append only: never edit a migration that has shipped.
// Applied in order inside one transaction each; PRAGMA user_version holds the last applied number.
import type { Migration } from '../../platform/sqlite';

// Times are integer milliseconds since the epoch (the injected clock's).

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE federation (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        config_json TEXT NOT NULL,
        admin_token_hash TEXT NOT NULL,
        initial_hash TEXT NOT NULL,
        param_count INTEGER NOT NULL,
        phase TEXT NOT NULL CHECK (phase IN ('training', 'query', 'labeling', 'finished')),
        cycle INTEGER NOT NULL,
        phase_deadline INTEGER,
        gamma_bar REAL,
        latest_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE clients (
        id TEXT PRIMARY KEY,
        credential_hash TEXT NOT NULL UNIQUE,
        display_name TEXT,
        enrolled_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE TABLE enrolment_codes (
        code_hash TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        used_by TEXT REFERENCES clients(id)
      );
      CREATE TABLE model_versions (
        hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('initial', 'global', 'control')),
        cycle INTEGER,
        round_id INTEGER,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE rounds (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        cycle INTEGER NOT NULL,
        round_index INTEGER NOT NULL,
        base_hash TEXT NOT NULL REFERENCES model_versions(hash),
        control_hash TEXT REFERENCES model_versions(hash),
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        opened_at INTEGER NOT NULL,
        deadline INTEGER NOT NULL,
        closed_at INTEGER,
        result_hash TEXT REFERENCES model_versions(hash),
        UNIQUE (cycle, round_index)
      );
      CREATE UNIQUE INDEX one_open_round ON rounds(status) WHERE status = 'open';
      CREATE TABLE updates (
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        client_id TEXT NOT NULL REFERENCES clients(id),
        body_hash TEXT NOT NULL,
        sample_count INTEGER NOT NULL,
        update_norm REAL NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (round_id, client_id)
      );
      -- Lineage: which clients (and how many samples) made a global version. Sample counts
      -- never leave the server.
      CREATE TABLE lineage (
        version_hash TEXT NOT NULL REFERENCES model_versions(hash),
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        client_id TEXT NOT NULL REFERENCES clients(id),
        sample_count INTEGER NOT NULL,
        PRIMARY KEY (round_id, client_id)
      );
      CREATE TABLE gammas (
        cycle INTEGER NOT NULL,
        client_id TEXT NOT NULL REFERENCES clients(id),
        gamma REAL NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (cycle, client_id)
      );
      CREATE TABLE ready (
        cycle INTEGER NOT NULL,
        client_id TEXT NOT NULL REFERENCES clients(id),
        received_at INTEGER NOT NULL,
        PRIMARY KEY (cycle, client_id)
      );
      CREATE TABLE round_metrics (
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        client_id TEXT NOT NULL REFERENCES clients(id),
        local_test_accuracy REAL NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (round_id, client_id)
      );
    `,
  },
  {
    version: 2,
    name: 'gamma_k can be withheld (issue 19): a report without a value; gamma_bar published even when no clinic shared one',
    sql: `
      ALTER TABLE federation ADD COLUMN gamma_published INTEGER NOT NULL DEFAULT 0;
      UPDATE federation SET gamma_published = 1 WHERE gamma_bar IS NOT NULL;
      CREATE TABLE gammas_v2 (
        cycle INTEGER NOT NULL,
        client_id TEXT NOT NULL REFERENCES clients(id),
        gamma REAL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (cycle, client_id)
      );
      INSERT INTO gammas_v2 (cycle, client_id, gamma, received_at) SELECT cycle, client_id, gamma, received_at FROM gammas;
      DROP TABLE gammas;
      ALTER TABLE gammas_v2 RENAME TO gammas;
    `,
  },
  {
    version: 3,
    name: 'secure aggregation (issue 19): a round\'s stage and attempt, its members\' public keys, sealed shares, masked uploads and reveals',
    sql: `
      CREATE TABLE secagg_rounds (
        round_id INTEGER PRIMARY KEY REFERENCES rounds(id),
        attempt INTEGER NOT NULL,
        stage TEXT NOT NULL CHECK (stage IN ('keys', 'shares', 'upload', 'unmask')),
        members INTEGER,
        threshold INTEGER,
        scale_bits INTEGER,
        stage_deadline INTEGER NOT NULL
      );
      CREATE TABLE secagg_members (
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        attempt INTEGER NOT NULL,
        client_id TEXT NOT NULL REFERENCES clients(id),
        idx INTEGER NOT NULL,
        mask_key BLOB NOT NULL,
        encryption_key BLOB NOT NULL,
        self_commit BLOB NOT NULL,
        key_commit BLOB NOT NULL,
        shared INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (round_id, attempt, client_id),
        UNIQUE (round_id, attempt, idx)
      );
      CREATE TABLE secagg_shares (
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        attempt INTEGER NOT NULL,
        from_idx INTEGER NOT NULL,
        to_idx INTEGER NOT NULL,
        sealed BLOB NOT NULL,
        PRIMARY KEY (round_id, attempt, from_idx, to_idx)
      );
      CREATE TABLE secagg_uploads (
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        attempt INTEGER NOT NULL,
        client_id TEXT NOT NULL REFERENCES clients(id),
        body_hash TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (round_id, attempt, client_id)
      );
      CREATE TABLE secagg_reveals (
        round_id INTEGER NOT NULL REFERENCES rounds(id),
        attempt INTEGER NOT NULL,
        client_id TEXT NOT NULL REFERENCES clients(id),
        body TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (round_id, attempt, client_id)
      );
    `,
  },
  {
    version: 4,
    name: 'adaptive clipping (issue 19): the clipping norm in force, moved after every round',
    sql: `ALTER TABLE federation ADD COLUMN dp_clip_norm REAL;`,
  },
];
