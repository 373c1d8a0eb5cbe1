// Keys of the blind search index. One random 32-byte master key per node,
// stored only wrapped by the vault's KEK (fhir_meta 'index_key'); subkeys are
// derived with HKDF-SHA-256 (RFC 5869): one for HMAC tokens (ids, codes,
// identifiers), one for sealing security labels (AES-256-GCM). Without the KEK
// the tables show which rows share a token, never what the token stands for.
import { createSecretKey, type KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AES_GCM_IV_BYTES, canonicalBytes, hkdfSha256, hmacSha256, openAesGcmBlob, sealAesGcmBlob, utf8 } from '../../crypto/index.js';
import { CareLedgerError } from '../../errors/index.js';
import type { Kek } from '../../vault/index.js';
import { withWrappedMasterKey, type WrappedKeySlot } from './wrapped-key.js';

const INDEX_KEY_SLOT: WrappedKeySlot = {
  table: 'fhir_meta',
  row: 'index_key',
  wrapName: 'careledger.fhir-index',
  wrapVersion: 1,
  what: 'search index key',
};
const TOKEN_INFO = 'careledger.fhir-index/1 token';
const LABEL_INFO = 'careledger.fhir-index/1 labels';
const LABEL_AAD = 'careledger.fhir-labels/1\n';
const IV_BYTES = AES_GCM_IV_BYTES;
const NO_SALT = new Uint8Array(0);

const MEMO_LIMIT = 150_000;

/** Adds to a bounded memo, evicting the oldest entry when full (a Map iterates in insertion order). */
function remember<V>(memo: Map<string, V>, k: string, v: V): void {
  if (memo.size >= MEMO_LIMIT) {
    const oldest = memo.keys().next();
    if (oldest.done !== true) memo.delete(oldest.value);
  }
  memo.set(k, v);
}

export class IndexKeys {
  readonly #tokenKey: Uint8Array;
  readonly #labelKey: KeyObject;
  readonly #idTokens = new Map<string, Buffer>();
  readonly #labels = new Map<string, string[]>();

  private constructor(master: Uint8Array) {
    this.#tokenKey = hkdfSha256(master, NO_SALT, utf8(TOKEN_INFO), 32);
    const labelRaw = hkdfSha256(master, NO_SALT, utf8(LABEL_INFO), 32);
    this.#labelKey = createSecretKey(labelRaw);
    labelRaw.fill(0);
  }

  /** Loads the wrapped master key from fhir_meta, creating it on first use. */
  static load(db: Database.Database, kek: Kek): IndexKeys {
    return withWrappedMasterKey(db, kek, INDEX_KEY_SLOT, (master) => new IndexKeys(master));
  }

  /** Blind token of one searchable value: HMAC(tokenKey, JCS([kind, ...parts])). */
  token(kind: string, ...parts: string[]): Buffer {
    return Buffer.from(hmacSha256(this.#tokenKey, canonicalBytes([kind, ...parts])));
  }

  /** Blind token of a logical id: the FHIR id is never stored in the clear. Memoised (hot on reads). */
  idToken(resourceType: string, id: string): Buffer {
    const k = resourceType + '/' + id;
    const hit = this.#idTokens.get(k);
    if (hit !== undefined) return hit;
    const token = this.token('id', resourceType, id);
    remember(this.#idTokens, k, token);
    return token;
  }

  /** Seals a version's security label codes, bound to its record id and version. */
  sealLabels(labels: readonly string[], recordId: string, version: number): Buffer {
    const sealed = sealAesGcmBlob(this.#labelKey, canonicalBytes([...labels]), labelAad(recordId, version));
    // Write-through: the version just written is the likeliest to be read next.
    remember(this.#labels, this.#labelMemoKey(sealed, recordId, version), [...labels]);
    return sealed;
  }

  #labelMemoKey(blob: Uint8Array, recordId: string, version: number): string {
    // Keyed by the seal's random IV too, so a rewritten version never hits an old entry.
    return `${recordId}/${version}/${Buffer.from(blob.buffer, blob.byteOffset, Math.min(IV_BYTES, blob.byteLength)).toString('hex')}`;
  }

  /** Drops the memoised labels of these records (erasure). */
  forgetRecords(recordIds: ReadonlySet<string>): void {
    for (const k of this.#labels.keys()) {
      if (recordIds.has(k.slice(0, k.indexOf('/')))) this.#labels.delete(k);
    }
  }


  /** The label codes of a version (memoised per record version: sealed labels never change). */
  openLabels(blob: Uint8Array, recordId: string, version: number): string[] {
    const k = this.#labelMemoKey(blob, recordId, version);
    const hit = this.#labels.get(k);
    if (hit !== undefined) return [...hit];
    const labels = this.#openLabels(blob, recordId, version);
    remember(this.#labels, k, labels);
    return [...labels];
  }

  #openLabels(blob: Uint8Array, recordId: string, version: number): string[] {
    try {
      const opened = openAesGcmBlob(this.#labelKey, blob, labelAad(recordId, version));
      if (opened === undefined) throw new Error('AES-GCM authentication failed');
      const parsed = JSON.parse(opened.toString('utf8')) as unknown;
      return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
    } catch (cause) {
      throw new CareLedgerError('INTERNAL', `security labels of record ${recordId} failed authentication`, { field: 'labels', cause });
    }
  }
}

function labelAad(recordId: string, version: number): Uint8Array {
  return utf8(`${LABEL_AAD}${recordId}\n${version}`);
}
