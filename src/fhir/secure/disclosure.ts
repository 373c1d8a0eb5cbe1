// The custodian's side of cross-organisation exchange as seen from the
// repository's tables (ARCHITECTURE section 6): the current committed,
// not-deleted version of each of a patient's resources, with its security
// labels for the consent decision, and the exact vault bytes and commitment
// salt opened only for what is disclosed. Structurally an exchange
// DisclosureSource (exchange/ports.ts); fhir/ does not import exchange/.
// Read-only: it never writes the repository's tables or the vault.
import type Database from 'better-sqlite3';
import { PSEUDONYM_PATTERN } from '../../contracts/identity/index.js';
import type { Kek, Vault } from '../../vault/index.js';
import { IndexKeys } from './index-keys.js';
import { Tables } from './tables.js';

export interface DisclosureRecord {
  recordId: string;
  version: number;
  resourceType: string;
  securityLabels: string[];
  open(): { plaintext: Uint8Array; salt: Uint8Array };
}

export interface DisclosureReaderOptions {
  /** The database of the vault and the secure repository. */
  db: Database.Database;
  vault: Vault;
  /** The vault's key-encryption key (unwraps the key that seals security labels). */
  kek: Kek;
}

export class DisclosureReader {
  readonly #tables: Tables;
  readonly #keys: IndexKeys;
  readonly #vault: Vault;

  constructor(options: DisclosureReaderOptions) {
    this.#tables = new Tables(options.db);
    this.#keys = IndexKeys.load(options.db, options.kek);
    this.#vault = options.vault;
  }

  /**
   * The patient's disclosable record versions held here, by resource type and
   * record id; empty for an unknown or erased patient. Versions still pending
   * their anchor are never listed (the head only moves on commit).
   */
  listForDisclosure(patient: string, resourceTypes?: readonly string[]): DisclosureRecord[] {
    if (!PSEUDONYM_PATTERN.test(patient) || this.#vault.isErased(patient)) return [];
    const types = resourceTypes === undefined ? undefined : new Set(resourceTypes);
    const out: DisclosureRecord[] = [];
    for (const row of this.#tables.byOwner(patient)) {
      if (row.is_patient !== 1 || row.deleted === 1 || row.version === 0) continue;
      if (types !== undefined && !types.has(row.resource_type)) continue;
      const v = this.#tables.version(row.record_id, row.version);
      if (v?.status !== 'committed' || v.op === 'delete') continue;
      const recordId = row.record_id;
      const version = row.version;
      out.push({
        recordId,
        version,
        resourceType: row.resource_type,
        securityLabels: this.#keys.openLabels(v.labels, recordId, version),
        open: () => {
          const rec = this.#vault.get(recordId, version);
          return { plaintext: rec.plaintext, salt: rec.salt };
        },
      });
    }
    return out.sort((a, b) => (a.resourceType === b.resourceType ? (a.recordId < b.recordId ? -1 : 1) : a.resourceType < b.resourceType ? -1 : 1));
  }
}
