// The vault's SQLite tables (all prefixed vault_). Searchable metadata is kept
// minimal and non-identifying: pseudonym, resource type, record id, version,
// last-updated time. Plaintext and commitment salts exist only inside the
// AES-256-GCM ciphertext column; data keys only wrapped by the KEK.
import type Database from 'better-sqlite3';

export const VAULT_SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS vault_meta (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vault_keys (
  pseudonym   TEXT    NOT NULL,
  key_version INTEGER NOT NULL,
  iv          BLOB    NOT NULL,
  wrapped     BLOB    NOT NULL,
  PRIMARY KEY (pseudonym, key_version)
);
CREATE TABLE IF NOT EXISTS vault_records (
  record_id     TEXT    NOT NULL,
  version       INTEGER NOT NULL,
  pseudonym     TEXT    NOT NULL,
  resource_type TEXT    NOT NULL,
  last_updated  TEXT    NOT NULL,
  key_version   INTEGER NOT NULL,
  iv            BLOB    NOT NULL,
  ciphertext    BLOB    NOT NULL,
  PRIMARY KEY (record_id, version)
);
CREATE INDEX IF NOT EXISTS vault_records_by_patient
  ON vault_records (pseudonym, resource_type, record_id, version);
CREATE TABLE IF NOT EXISTS vault_erased_patients (
  pseudonym TEXT PRIMARY KEY,
  erased_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vault_erased_records (
  record_id TEXT PRIMARY KEY
) WITHOUT ROWID;
`;

/** Creates the vault tables if missing and turns on secure_delete for this connection. */
export function createVaultSchema(db: Database.Database): void {
  // secure_delete is per connection: deleted cells and freed pages are zeroed,
  // which crypto-shredding relies on (https://sqlite.org/pragma.html#pragma_secure_delete).
  db.pragma('secure_delete = ON');
  db.exec(DDL);
  db.prepare(`INSERT OR IGNORE INTO vault_meta (name, value) VALUES ('schema_version', ?)`).run(VAULT_SCHEMA_VERSION);
}

export interface RecordRow {
  record_id: string;
  version: number;
  pseudonym: string;
  resource_type: string;
  last_updated: string;
  key_version: number;
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

export interface KeyRow {
  pseudonym: string;
  key_version: number;
  iv: Uint8Array;
  wrapped: Uint8Array;
}

export type MetaRow = Pick<RecordRow, 'record_id' | 'version' | 'pseudonym' | 'resource_type' | 'last_updated'>;
