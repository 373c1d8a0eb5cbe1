// The off-ledger encrypted record store of one node (ARCHITECTURE section 6):
// envelope encryption on SQLite. Each record version is sealed with AES-256-GCM
// under its patient's data key (DEK); DEKs are stored only wrapped by the KEK.
// The sealed payload is salt(32) || plaintext, so the commitment salt is as
// protected as the data and disappears with it. Erasure (GDPR Art. 17) is
// crypto-shredding: delete the DEKs, ciphertexts and salts in one transaction,
// with secure_delete on and a WAL checkpoint so the bytes leave the files.
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AES_256_KEY_BYTES, concatBytes, openAesGcm, sealAesGcm } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { COMMITMENT_SALT_BYTES, commitmentOf } from './commitment.js';
import { DekCache } from './dek-cache.js';
import { checkId, checkPlaintext, checkResourceType, checkTimestamp, checkVersion, recordAad } from './fields.js';
import type { Kek } from './kek.js';
import { createVaultSchema, type KeyRow, type MetaRow, type RecordRow } from './schema.js';

export interface VaultOptions {
  /** Clock for lastUpdated when the caller gives none (tests inject one). */
  now?: () => Date;
  /** Most unwrapped data keys kept in memory (default 1024). */
  dekCacheSize?: number;
}

export interface PutInput {
  pseudonym: string;
  resourceType: string;
  recordId: string;
  version: number;
  plaintext: Uint8Array;
  /** ISO 8601 UTC; defaults to the vault clock. */
  lastUpdated?: string;
  /** Commitment salt of an imported record (32 bytes); fresh random otherwise. */
  salt?: Uint8Array;
}

export interface RecordMeta {
  pseudonym: string;
  resourceType: string;
  recordId: string;
  version: number;
  lastUpdated: string;
}

export interface VaultRecord extends RecordMeta {
  plaintext: Uint8Array;
  salt: Uint8Array;
  commitment: string;
}

export interface PutResult {
  commitment: string;
  lastUpdated: string;
}

export interface ErasureResult {
  /** Record versions (ciphertext + salt) deleted. */
  records: number;
  /** Wrapped data keys deleted. */
  keys: number;
  /** True when the WAL was fully checkpointed and truncated (no reader held it). */
  walTruncated: boolean;
}

const RECORD_COLUMNS = 'record_id, version, pseudonym, resource_type, last_updated, key_version, iv, ciphertext';
const META_COLUMNS = 'record_id, version, pseudonym, resource_type, last_updated';

export class Vault {
  readonly #db: Database.Database;
  readonly #kek: Kek;
  readonly #now: () => Date;
  readonly #deks: DekCache;
  readonly #sql;

  constructor(db: Database.Database, kek: Kek, options: VaultOptions = {}) {
    this.#db = db;
    this.#kek = kek;
    this.#now = options.now ?? (() => new Date());
    this.#deks = new DekCache(options.dekCacheSize ?? 1024);
    createVaultSchema(db);
    this.#checkKek();
    this.#sql = {
      latest: db.prepare<[string], RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM vault_records WHERE record_id = ? ORDER BY version DESC LIMIT 1`,
      ),
      exact: db.prepare<[string, number], RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM vault_records WHERE record_id = ? AND version = ?`,
      ),
      versions: db.prepare<[string], MetaRow>(
        `SELECT ${META_COLUMNS} FROM vault_records WHERE record_id = ? ORDER BY version`,
      ),
      byPatient: db.prepare<[string], MetaRow>(
        `SELECT ${META_COLUMNS} FROM vault_records WHERE pseudonym = ? ORDER BY resource_type, record_id, version`,
      ),
      byPatientType: db.prepare<[string, string], MetaRow>(
        `SELECT ${META_COLUMNS} FROM vault_records WHERE pseudonym = ? AND resource_type = ? ORDER BY record_id, version`,
      ),
      owner: db.prepare<[string], Pick<RecordRow, 'pseudonym' | 'resource_type'>>(
        'SELECT pseudonym, resource_type FROM vault_records WHERE record_id = ? LIMIT 1',
      ),
      insertRecord: db.prepare(`INSERT INTO vault_records (${RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      key: db.prepare<[string, number], KeyRow>(
        'SELECT pseudonym, key_version, iv, wrapped FROM vault_keys WHERE pseudonym = ? AND key_version = ?',
      ),
      currentKey: db.prepare<[string], KeyRow>(
        'SELECT pseudonym, key_version, iv, wrapped FROM vault_keys WHERE pseudonym = ? ORDER BY key_version DESC LIMIT 1',
      ),
      insertKey: db.prepare('INSERT INTO vault_keys (pseudonym, key_version, iv, wrapped) VALUES (?, ?, ?, ?)'),
      erasedPatient: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM vault_erased_patients WHERE pseudonym = ?'),
      erasedRecord: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM vault_erased_records WHERE record_id = ?'),
      markRecords: db.prepare(
        'INSERT OR IGNORE INTO vault_erased_records (record_id) SELECT DISTINCT record_id FROM vault_records WHERE pseudonym = ?',
      ),
      deleteRecords: db.prepare('DELETE FROM vault_records WHERE pseudonym = ?'),
      deleteKeys: db.prepare('DELETE FROM vault_keys WHERE pseudonym = ?'),
      markPatient: db.prepare('INSERT OR IGNORE INTO vault_erased_patients (pseudonym, erased_at) VALUES (?, ?)'),
    };
  }

  /** Stores one record version encrypted; returns its commitment for the ledger anchor. */
  put(input: PutInput): PutResult {
    const pseudonym = checkId(input.pseudonym, 'pseudonym');
    const recordId = checkId(input.recordId, 'recordId');
    const resourceType = checkResourceType(input.resourceType);
    const version = checkVersion(input.version);
    const plaintext = checkPlaintext(input.plaintext);
    const lastUpdated = checkTimestamp(input.lastUpdated ?? this.#now().toISOString());
    if (input.salt !== undefined && input.salt.byteLength !== COMMITMENT_SALT_BYTES) {
      throw new CareLedgerError('MALFORMED', `salt must be ${COMMITMENT_SALT_BYTES} bytes`, { field: 'salt' });
    }
    const salt = input.salt ?? new Uint8Array(randomBytes(COMMITMENT_SALT_BYTES));
    const aad = recordAad(pseudonym, recordId, version, resourceType);
    let created: { keyVersion: number; key: KeyObject } | undefined;
    this.#db
      .transaction(() => {
        if (this.#sql.erasedPatient.get(pseudonym) !== undefined || this.#sql.erasedRecord.get(recordId) !== undefined) {
          throw new CareLedgerError('GONE', 'patient data has been erased; new records are refused', { field: 'pseudonym' });
        }
        const owner = this.#sql.owner.get(recordId);
        if (owner !== undefined && (owner.pseudonym !== pseudonym || owner.resource_type !== resourceType)) {
          throw new CareLedgerError('CONFLICT', `record ${recordId} belongs to another patient or resource type`, {
            field: 'recordId',
          });
        }
        if (this.#sql.exact.get(recordId, version) !== undefined) {
          throw new CareLedgerError('ALREADY_EXISTS', `record ${recordId} version ${version} already stored`, {
            field: 'version',
          });
        }
        let dek = this.#currentDek(pseudonym);
        if (dek === undefined) {
          dek = created = this.#createDek(pseudonym);
        }
        const { iv, sealed } = sealAesGcm(dek.key, concatBytes(salt, plaintext), aad);
        this.#sql.insertRecord.run(recordId, version, pseudonym, resourceType, lastUpdated, dek.keyVersion, iv, sealed);
      })
      .immediate();
    if (created !== undefined) this.#deks.set(pseudonym, created.keyVersion, created.key);
    return { commitment: commitmentOf(salt, plaintext), lastUpdated };
  }

  /** Decrypts one record version (the latest by default). NOT_FOUND, GONE after erasure, INTERNAL if tampered. */
  get(recordId: string, version?: number): VaultRecord {
    checkId(recordId, 'recordId');
    const row = version === undefined ? this.#sql.latest.get(recordId) : this.#sql.exact.get(recordId, checkVersion(version));
    if (row === undefined) throw this.#missing(recordId, version);
    const key = this.#dek(row.pseudonym, row.key_version);
    const aad = recordAad(row.pseudonym, row.record_id, row.version, row.resource_type);
    const payload = openAesGcm(key, row.iv, row.ciphertext, aad);
    if (payload === undefined || payload.byteLength < COMMITMENT_SALT_BYTES) {
      throw new CareLedgerError('INTERNAL', `record ${recordId} version ${row.version} failed authentication`, {
        field: 'ciphertext',
      });
    }
    const salt = payload.slice(0, COMMITMENT_SALT_BYTES);
    const plaintext = payload.slice(COMMITMENT_SALT_BYTES);
    payload.fill(0);
    return { ...toMeta(row), plaintext, salt, commitment: commitmentOf(salt, plaintext) };
  }

  /** Metadata of every stored version of a record, oldest first. */
  listVersions(recordId: string): RecordMeta[] {
    checkId(recordId, 'recordId');
    const rows = this.#sql.versions.all(recordId);
    if (rows.length === 0) throw this.#missing(recordId, undefined);
    return rows.map(toMeta);
  }

  /** Metadata of a patient's record versions, without decrypting anything. */
  listByPatient(pseudonym: string, options: { resourceType?: string } = {}): RecordMeta[] {
    checkId(pseudonym, 'pseudonym');
    if (this.isErased(pseudonym)) throw new CareLedgerError('GONE', 'patient data has been erased', { field: 'pseudonym' });
    const rows =
      options.resourceType === undefined
        ? this.#sql.byPatient.all(pseudonym)
        : this.#sql.byPatientType.all(pseudonym, checkResourceType(options.resourceType));
    return rows.map(toMeta);
  }

  has(recordId: string): boolean {
    return this.#sql.latest.get(checkId(recordId, 'recordId')) !== undefined;
  }

  isErased(pseudonym: string): boolean {
    return this.#sql.erasedPatient.get(checkId(pseudonym, 'pseudonym')) !== undefined;
  }

  /**
   * GDPR Art. 17 crypto-shredding: deletes the patient's wrapped DEKs, every
   * ciphertext and salt in one transaction, leaves only erased-markers (the
   * pseudonym; the bare record ids, so get can answer GONE), then truncates the WAL.
   */
  erasePatient(pseudonym: string): ErasureResult {
    checkId(pseudonym, 'pseudonym');
    this.#db.pragma('secure_delete = ON');
    const erasedAt = this.#now().toISOString();
    const counts = this.#db
      .transaction(() => {
        this.#sql.markRecords.run(pseudonym);
        const records = this.#sql.deleteRecords.run(pseudonym).changes;
        const keys = this.#sql.deleteKeys.run(pseudonym).changes;
        this.#sql.markPatient.run(pseudonym, erasedAt);
        return { records, keys };
      })
      .immediate();
    this.#deks.dropPatient(pseudonym);
    const result = this.#db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
    const status = result[0];
    const walTruncated = status !== undefined && status.busy === 0 && status.log <= 0;
    return { ...counts, walTruncated };
  }

  #checkKek(): void {
    const row = this.#db.prepare<[], { value: Uint8Array }>(`SELECT value FROM vault_meta WHERE name = 'kek_check'`).get();
    if (row === undefined) {
      this.#db.prepare(`INSERT INTO vault_meta (name, value) VALUES ('kek_check', ?)`).run(this.#kek.checkValue());
    } else if (!this.#kek.matchesCheckValue(row.value)) {
      throw new CareLedgerError('INTERNAL', 'key-encryption key does not match this vault', { field: 'kek' });
    }
  }

  #currentDek(pseudonym: string): { keyVersion: number; key: KeyObject } | undefined {
    const row = this.#sql.currentKey.get(pseudonym);
    return row === undefined ? undefined : { keyVersion: row.key_version, key: this.#dek(pseudonym, row.key_version) };
  }

  #createDek(pseudonym: string): { keyVersion: number; key: KeyObject } {
    const keyVersion = 1;
    const raw = new Uint8Array(randomBytes(AES_256_KEY_BYTES));
    try {
      const { iv, sealed } = this.#kek.wrapDek(raw, pseudonym, keyVersion);
      this.#sql.insertKey.run(pseudonym, keyVersion, iv, sealed);
      return { keyVersion, key: createSecretKey(raw) };
    } finally {
      raw.fill(0);
    }
  }

  #dek(pseudonym: string, keyVersion: number): KeyObject {
    const cached = this.#deks.get(pseudonym, keyVersion);
    if (cached !== undefined) return cached;
    const row = this.#sql.key.get(pseudonym, keyVersion);
    if (row === undefined) throw new CareLedgerError('INTERNAL', 'data key of a stored record is missing', { field: 'dek' });
    const raw = this.#kek.unwrapDek(row.iv, row.wrapped, pseudonym, keyVersion);
    if (raw === undefined) throw new CareLedgerError('INTERNAL', 'data key failed to unwrap', { field: 'dek' });
    try {
      const key = createSecretKey(raw);
      this.#deks.set(pseudonym, keyVersion, key);
      return key;
    } finally {
      raw.fill(0);
    }
  }

  #missing(recordId: string, version: number | undefined): CareLedgerError {
    if (this.#sql.erasedRecord.get(recordId) !== undefined) {
      return new CareLedgerError('GONE', `record ${recordId} was erased`, { field: 'recordId' });
    }
    const what = version === undefined ? `record ${recordId}` : `record ${recordId} version ${version}`;
    return new CareLedgerError('NOT_FOUND', `${what} not found`, { field: version === undefined ? 'recordId' : 'version' });
  }
}

function toMeta(row: MetaRow): RecordMeta {
  return {
    pseudonym: row.pseudonym,
    resourceType: row.resource_type,
    recordId: row.record_id,
    version: row.version,
    lastUpdated: row.last_updated,
  };
}
