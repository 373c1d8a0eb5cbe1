// Keys of the custodian's off-ledger access log (docs/privacy.md). One random
// 32-byte master key per node, stored only wrapped by the vault's KEK
// (access_meta 'log_key'); subkeys derived with HKDF-SHA-256 (RFC 5869): one
// AES-256-GCM key that seals every stored event and journal line, one HMAC
// key that blinds pseudonyms into chain ids. Without the KEK a copied disk
// shows neither events nor which chain is whose.
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import { chainIdOf } from '../../contracts/access/index.js';
import { AES_GCM_IV_BYTES, hkdfSha256, openAesGcmBlob, sealAesGcmBlob, utf8 } from '../../crypto/index.js';
import { CareLedgerError } from '../../errors/index.js';
import type { Kek } from '../../vault/index.js';
import { withWrappedMasterKey, type WrappedKeySlot } from './wrapped-key.js';

const LOG_KEY_SLOT: WrappedKeySlot = {
  table: 'access_meta',
  row: 'log_key',
  wrapName: 'careledger.access-log',
  wrapVersion: 1,
  what: 'access log key',
};
const SEAL_INFO = 'careledger.access-log/1 seal';
const CHAIN_INFO = 'careledger.access-log/1 chain-id';
const IV_BYTES = AES_GCM_IV_BYTES;
const NO_SALT = new Uint8Array(0);

export class AccessLogKeys {
  readonly #sealKey: KeyObject;
  readonly #chainKey: Uint8Array;
  readonly #chainIds = new Map<string, string>();
  /** Deterministic IVs for the request path (NIST SP 800-38D 8.2.1): a random 64-bit field per run, a 32-bit counter. */
  #ivPrefix: Buffer = randomBytes(8);
  #ivCounter = 0;

  private constructor(master: Uint8Array) {
    const seal = hkdfSha256(master, NO_SALT, utf8(SEAL_INFO), 32);
    this.#sealKey = createSecretKey(seal);
    seal.fill(0);
    this.#chainKey = hkdfSha256(master, NO_SALT, utf8(CHAIN_INFO), 32);
  }

  /** Loads the wrapped master key from access_meta, creating it on first use. */
  static load(db: Database.Database, kek: Kek): AccessLogKeys {
    return withWrappedMasterKey(db, kek, LOG_KEY_SLOT, (master) => new AccessLogKeys(master));
  }

  /** The patient's blinded chain id at this custodian (memoised: hot on every flush). */
  chainId(pseudonym: string): string {
    let id = this.#chainIds.get(pseudonym);
    if (id === undefined) {
      id = chainIdOf(this.#chainKey, pseudonym);
      if (this.#chainIds.size > 100_000) this.#chainIds.clear();
      this.#chainIds.set(pseudonym, id);
    }
    return id;
  }

  /** AES-256-GCM under a fresh IV: iv || ciphertext || tag, bound to `aad`. */
  seal(plaintext: Uint8Array, aad: string): Buffer {
    return sealAesGcmBlob(this.#sealKey, plaintext, utf8(aad), this.#nextIv());
  }

  /** A unique IV without a randomBytes call per event (about 6 µs on the read path). */
  #nextIv(): Buffer {
    if (this.#ivCounter === 0xffffffff) {
      this.#ivPrefix = randomBytes(8);
      this.#ivCounter = 0;
    }
    const iv = Buffer.allocUnsafe(IV_BYTES);
    this.#ivPrefix.copy(iv, 0);
    iv.writeUInt32BE(this.#ivCounter++, 8);
    return iv;
  }

  /** Opens what `seal` produced under the same aad; INTERNAL if it does not authenticate. */
  open(blob: Uint8Array, aad: string): Buffer {
    const opened = openAesGcmBlob(this.#sealKey, blob, utf8(aad));
    if (opened === undefined) throw new CareLedgerError('INTERNAL', 'an access log entry failed authentication', { field: 'accessLog' });
    return opened;
  }
}
