// The secure FHIR repository's own SQLite tables (prefix fhir_), in the same
// database as the vault. Nothing here is plaintext health data:
//   fhir_meta          the blind-index key, wrapped by the vault's KEK
//   fhir_resources     one row per logical resource: opaque record id, blind id
//                      token (HMAC of type/id), resource type, owner (patient
//                      pseudonym, or 'org.<orgId>' for non-patient resources),
//                      latest committed version, deleted flag, lastUpdated,
//                      clinical date bounds as UTC day numbers
//   fhir_versions      per version: op, lastUpdated, security labels sealed
//                      (AES-256-GCM), status pending|committed, anchor txId
//   fhir_tokens        blind search tokens (HMAC) of the latest version
//   fhir_pending       signed anchor envelopes not yet known committed
//   fhir_erased        blind id tokens of erased resources (answer GONE)
//   fhir_audit_outbox  legacy: access events an earlier version queued in clear (moved into the access log at start)
//   fhir_audit_dead    access events the ledger refused for good (with the code)
import type Database from 'better-sqlite3';

const DDL = `
CREATE TABLE IF NOT EXISTS fhir_meta (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fhir_resources (
  record_id     TEXT    PRIMARY KEY,
  id_token      BLOB    NOT NULL UNIQUE,
  resource_type TEXT    NOT NULL,
  owner         TEXT    NOT NULL,
  is_patient    INTEGER NOT NULL,
  version       INTEGER NOT NULL,
  deleted       INTEGER NOT NULL,
  last_updated  TEXT    NOT NULL,
  date_lo       INTEGER,
  date_hi       INTEGER
);
CREATE INDEX IF NOT EXISTS fhir_resources_by_owner ON fhir_resources (owner, resource_type);
CREATE INDEX IF NOT EXISTS fhir_resources_by_type ON fhir_resources (resource_type, last_updated);
CREATE TABLE IF NOT EXISTS fhir_versions (
  record_id    TEXT    NOT NULL,
  version      INTEGER NOT NULL,
  op           TEXT    NOT NULL,
  last_updated TEXT    NOT NULL,
  labels       BLOB    NOT NULL,
  status       TEXT    NOT NULL,
  anchor_tx    TEXT,
  PRIMARY KEY (record_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fhir_tokens (
  token     BLOB NOT NULL,
  record_id TEXT NOT NULL,
  PRIMARY KEY (token, record_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fhir_tokens_by_record ON fhir_tokens (record_id);
CREATE TABLE IF NOT EXISTS fhir_pending (
  tx_id    TEXT PRIMARY KEY,
  envelope TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fhir_erased (
  id_token BLOB PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fhir_audit_outbox (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  patient TEXT NOT NULL,
  event   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fhir_audit_dead (
  seq     INTEGER PRIMARY KEY,
  patient TEXT NOT NULL,
  event   TEXT NOT NULL,
  code    TEXT NOT NULL
);
`;

export function createSecureSchema(db: Database.Database): void {
  db.exec(DDL);
}

export interface ResourceRow {
  record_id: string;
  id_token: Uint8Array;
  resource_type: string;
  owner: string;
  is_patient: number;
  version: number;
  deleted: number;
  last_updated: string;
  date_lo: number | null;
  date_hi: number | null;
}

export type VersionOp = 'create' | 'update' | 'delete';

export interface VersionRow {
  record_id: string;
  version: number;
  op: VersionOp;
  last_updated: string;
  labels: Uint8Array;
  status: 'pending' | 'committed';
  anchor_tx: string | null;
}
