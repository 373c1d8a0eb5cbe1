// Prepared statements over the fhir_ tables (schema.ts), plus the shared
// dependencies of the read and write paths.
import type Database from 'better-sqlite3';
import type { DecisionMemo } from '../../contracts/consent/index.js';
import type { Vault } from '../../vault/index.js';
import type { IndexKeys } from './index-keys.js';
import type { AuditOutbox } from './outbox.js';
import type { LedgerPort } from '../../ledger/index.js';
import { createSecureSchema, type ResourceRow, type VersionOp, type VersionRow } from './schema.js';

export interface Deps {
  db: Database.Database;
  vault: Vault;
  keys: IndexKeys;
  tables: Tables;
  port: LedgerPort;
  outbox: AuditOutbox;
  /** Grant selections of recent (patient, requester) pairs, kept while consent state is unchanged. */
  consent: DecisionMemo;
}

/**
 * fhir_resources joined with its current fhir_versions row, as a raw row in
 * this column order (the id token is the caller's; the version columns are
 * null without a version row). Raw rows skip building an object per row and
 * a Buffer for the token: this is the read path's hottest statement.
 */
type HeadRaw = [
  record_id: string,
  resource_type: string,
  owner: string,
  is_patient: number,
  version: number,
  deleted: number,
  last_updated: string,
  date_lo: number | null,
  date_hi: number | null,
  v_op: VersionOp | null,
  v_last_updated: string | null,
  v_labels: Uint8Array | null,
  v_status: VersionRow['status'] | null,
  v_anchor_tx: string | null,
];

export interface HeadUpdate {
  recordId: string;
  version: number;
  deleted: boolean;
  lastUpdated: string;
  dateLo: number | null;
  dateHi: number | null;
}

export class Tables {
  readonly #db: Database.Database;
  readonly #s;

  constructor(db: Database.Database) {
    this.#db = db;
    createSecureSchema(db);
    const p = db.prepare.bind(db);
    this.#s = {
      byToken: p<[Uint8Array], ResourceRow>('SELECT * FROM fhir_resources WHERE id_token = ?'),
      // The head and its current version in one statement (the read path's lookup).
      headByToken: p<[Uint8Array], HeadRaw>(
        `SELECT r.record_id, r.resource_type, r.owner, r.is_patient, r.version, r.deleted, r.last_updated, r.date_lo, r.date_hi,
                v.op, v.last_updated, v.labels, v.status, v.anchor_tx
         FROM fhir_resources r LEFT JOIN fhir_versions v ON v.record_id = r.record_id AND v.version = r.version
         WHERE r.id_token = ?`,
      ).raw(true),
      byRecord: p<[string], ResourceRow>('SELECT * FROM fhir_resources WHERE record_id = ?'),
      byOwner: p<[string], ResourceRow>('SELECT * FROM fhir_resources WHERE owner = ?'),
      owners: p<[], { owner: string }>('SELECT DISTINCT owner FROM fhir_resources WHERE is_patient = 1'),
      insertResource: p(
        'INSERT INTO fhir_resources (record_id, id_token, resource_type, owner, is_patient, version, deleted, last_updated) VALUES (?, ?, ?, ?, ?, 0, 0, ?)',
      ),
      updateHead: p(
        'UPDATE fhir_resources SET version = ?, deleted = ?, last_updated = ?, date_lo = ?, date_hi = ? WHERE record_id = ?',
      ),
      deleteResource: p('DELETE FROM fhir_resources WHERE record_id = ?'),
      versions: p<[string], VersionRow>('SELECT * FROM fhir_versions WHERE record_id = ? ORDER BY version'),
      version: p<[string, number], VersionRow>('SELECT * FROM fhir_versions WHERE record_id = ? AND version = ?'),
      pendingOf: p<[string], { n: number }>("SELECT count(*) AS n FROM fhir_versions WHERE record_id = ? AND status = 'pending'"),
      localPending: p<[], VersionRow>("SELECT * FROM fhir_versions WHERE status = 'pending' AND anchor_tx IS NULL"),
      byTx: p<[string], VersionRow>('SELECT * FROM fhir_versions WHERE anchor_tx = ? ORDER BY record_id, version'),
      insertVersion: p(
        "INSERT INTO fhir_versions (record_id, version, op, last_updated, labels, status, anchor_tx) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
      ),
      commitVersion: p("UPDATE fhir_versions SET status = 'committed' WHERE record_id = ? AND version = ?"),
      deleteVersion: p('DELETE FROM fhir_versions WHERE record_id = ? AND version = ?'),
      deleteVersions: p('DELETE FROM fhir_versions WHERE record_id = ?'),
      deleteTokens: p('DELETE FROM fhir_tokens WHERE record_id = ?'),
      insertToken: p('INSERT OR IGNORE INTO fhir_tokens (token, record_id) VALUES (?, ?)'),
      pending: p<[], { tx_id: string; envelope: string }>('SELECT tx_id, envelope FROM fhir_pending'),
      insertPending: p('INSERT INTO fhir_pending (tx_id, envelope) VALUES (?, ?)'),
      deletePending: p('DELETE FROM fhir_pending WHERE tx_id = ?'),
      erased: p<[Uint8Array], { one: number }>('SELECT 1 AS one FROM fhir_erased WHERE id_token = ?'),
      insertErased: p('INSERT OR IGNORE INTO fhir_erased (id_token) VALUES (?)'),
      deleteDead: p('DELETE FROM fhir_audit_dead WHERE patient = ?'),
      // The vault has no API to retract a version that never got anchored;
      // this is the one place that deletes a vault row directly (see docs/records.md).
      deleteVaultVersion: p('DELETE FROM vault_records WHERE record_id = ? AND version = ?'),
    };
  }

  byToken(token: Uint8Array): ResourceRow | undefined {
    return this.#s.byToken.get(token);
  }

  /** The head row of a token with its current version row (undefined when the head has no version row). */
  headByToken(token: Uint8Array): { row: ResourceRow; current: VersionRow | undefined } | undefined {
    const h = this.#s.headByToken.get(token);
    if (h === undefined) return undefined;
    const [recordId, resourceType, owner, isPatient, version, deleted, lastUpdated, dateLo, dateHi, op, vLastUpdated, labels, status, anchorTx] = h;
    const row: ResourceRow = {
      record_id: recordId,
      id_token: token,
      resource_type: resourceType,
      owner,
      is_patient: isPatient,
      version,
      deleted,
      last_updated: lastUpdated,
      date_lo: dateLo,
      date_hi: dateHi,
    };
    const current: VersionRow | undefined =
      op === null ? undefined : { record_id: recordId, version, op, last_updated: vLastUpdated!, labels: labels!, status: status!, anchor_tx: anchorTx };
    return { row, current };
  }

  byRecord(recordId: string): ResourceRow | undefined {
    return this.#s.byRecord.get(recordId);
  }

  byOwner(owner: string): ResourceRow[] {
    return this.#s.byOwner.all(owner);
  }

  patientOwners(): string[] {
    return this.#s.owners.all().map((r) => r.owner);
  }

  insertResource(recordId: string, idToken: Uint8Array, resourceType: string, owner: string, isPatient: boolean, lastUpdated: string): void {
    this.#s.insertResource.run(recordId, idToken, resourceType, owner, isPatient ? 1 : 0, lastUpdated);
  }

  updateHead(h: HeadUpdate): void {
    this.#s.updateHead.run(h.version, h.deleted ? 1 : 0, h.lastUpdated, h.dateLo, h.dateHi, h.recordId);
  }

  deleteResource(recordId: string): void {
    this.#s.deleteResource.run(recordId);
  }

  versions(recordId: string): VersionRow[] {
    return this.#s.versions.all(recordId);
  }

  version(recordId: string, version: number): VersionRow | undefined {
    return this.#s.version.get(recordId, version);
  }

  hasPending(recordId: string): boolean {
    return (this.#s.pendingOf.get(recordId)?.n ?? 0) > 0;
  }

  /** Pending versions of non-patient resources (never anchored): a crash between stage and finalise. */
  localPending(): VersionRow[] {
    return this.#s.localPending.all();
  }

  versionsOfTx(txId: string): VersionRow[] {
    return this.#s.byTx.all(txId);
  }

  insertVersion(recordId: string, version: number, op: VersionOp, lastUpdated: string, labels: Uint8Array, anchorTx: string | null): void {
    this.#s.insertVersion.run(recordId, version, op, lastUpdated, labels, anchorTx);
  }

  commitVersion(recordId: string, version: number): void {
    this.#s.commitVersion.run(recordId, version);
  }

  /** Retracts a staged version: its vault row, its version row, and the resource row if nothing else remains. */
  retractVersion(recordId: string, version: number): void {
    this.#s.deleteVaultVersion.run(recordId, version);
    this.#s.deleteVersion.run(recordId, version);
    if (this.#s.versions.all(recordId).length === 0) this.#s.deleteResource.run(recordId);
  }

  replaceTokens(recordId: string, tokens: readonly Uint8Array[]): void {
    this.#s.deleteTokens.run(recordId);
    for (const t of tokens) this.#s.insertToken.run(t, recordId);
  }

  pendingAnchors(): Array<{ txId: string; envelope: string }> {
    return this.#s.pending.all().map((r) => ({ txId: r.tx_id, envelope: r.envelope }));
  }

  insertPending(txId: string, envelope: string): void {
    this.#s.insertPending.run(txId, envelope);
  }

  deletePending(txId: string): void {
    this.#s.deletePending.run(txId);
  }

  isErased(idToken: Uint8Array): boolean {
    return this.#s.erased.get(idToken) !== undefined;
  }

  /**
   * Deletes every row of an owner (patient): resources, versions, tokens,
   * parked (refused) access events. Keeps only the blind id tokens, with no
   * pseudonym or record id, so reads can answer GONE. Queued access events
   * stay: the access contract accepts events from before the erasure, and the
   * audit trail must not lose them (the caller flushes first).
   */
  eraseOwner(owner: string): number {
    return this.#db.transaction(() => {
      const rows = this.byOwner(owner);
      for (const r of rows) {
        this.#s.insertErased.run(r.id_token);
        this.#s.deleteTokens.run(r.record_id);
        this.#s.deleteVersions.run(r.record_id);
        this.#s.deleteResource.run(r.record_id);
      }
      for (const { tx_id, envelope } of this.#s.pending.all()) {
        if (envelope.includes(`"patient":"${owner}"`)) this.#s.deletePending.run(tx_id);
      }
      this.#s.deleteDead.run(owner);
      return rows.length;
    })();
  }

  /** Runs fn in one SQLite transaction. */
  atomically<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }
}
