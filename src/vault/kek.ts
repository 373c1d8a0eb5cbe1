// The node's key-encryption key (ARCHITECTURE section 6): 32 random bytes,
// sealed in the node's keyring (src/keys, docs/keys.md) and never stored in
// the clear, held in a KeyObject inside a class that never prints it. It only wraps and unwraps per-patient data keys
// (AES-256-GCM, AAD "careledger.dek/1\n" + pseudonym + "\n" + keyVersion).
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { AES_256_KEY_BYTES, AES_GCM_IV_BYTES, concatBytes, openAesGcm, sealAesGcm, utf8, type AesGcmSealed as Sealed } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';

export const KEK_BYTES = AES_256_KEY_BYTES;
export const DEK_WRAP_DOMAIN = 'careledger.dek/1\n';
const KEK_CHECK_AAD = utf8('careledger.kek-check/1');

/** AAD binding a wrapped data key to its patient and key version. */
export function dekAad(pseudonym: string, keyVersion: number): Uint8Array {
  return utf8(`${DEK_WRAP_DOMAIN}${pseudonym}\n${keyVersion}`);
}

export class Kek {
  readonly #key: KeyObject;

  private constructor(key: KeyObject) {
    this.#key = key;
  }

  /** Takes 32 raw bytes; the caller should zero its copy afterwards. */
  static fromBytes(bytes: Uint8Array): Kek {
    if (bytes.byteLength !== KEK_BYTES) {
      throw new CareLedgerError('MALFORMED', `key-encryption key must be ${KEK_BYTES} bytes`, { field: 'kek' });
    }
    return new Kek(createSecretKey(bytes));
  }

  static generate(): Kek {
    const raw = new Uint8Array(randomBytes(KEK_BYTES));
    try {
      return Kek.fromBytes(raw);
    } finally {
      raw.fill(0);
    }
  }

  wrapDek(dek: Uint8Array, pseudonym: string, keyVersion: number): Sealed {
    return sealAesGcm(this.#key, dek, dekAad(pseudonym, keyVersion));
  }

  /** The raw data key, or undefined if this KEK did not wrap it for this patient and version. */
  unwrapDek(iv: Uint8Array, wrapped: Uint8Array, pseudonym: string, keyVersion: number): Uint8Array | undefined {
    return openAesGcm(this.#key, iv, wrapped, dekAad(pseudonym, keyVersion));
  }

  /** A check value (IV || GCM tag of an empty message) that tells a wrong KEK apart at start-up. */
  checkValue(): Uint8Array {
    const { iv, sealed } = sealAesGcm(this.#key, new Uint8Array(0), KEK_CHECK_AAD);
    return concatBytes(iv, sealed);
  }

  matchesCheckValue(check: Uint8Array): boolean {
    return openAesGcm(this.#key, check.subarray(0, AES_GCM_IV_BYTES), check.subarray(AES_GCM_IV_BYTES), KEK_CHECK_AAD) !== undefined;
  }

  toJSON(): string {
    return '[Kek]';
  }

  toString(): string {
    return '[Kek]';
  }

  [inspect.custom](): string {
    return '[Kek]';
  }
}
