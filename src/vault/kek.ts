// The node's key-encryption key (ARCHITECTURE section 6): 32 random bytes from
// CARELEDGER_KEK (base64url) or a 0600 key file, held in a KeyObject inside a
// class that never prints it. It only wraps and unwraps per-patient data keys
// (AES-256-GCM, AAD "careledger.dek/1\n" + pseudonym + "\n" + keyVersion).
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, fchmodSync, fstatSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { inspect } from 'node:util';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from '../crypto/index.js';
import { CareLedgerError } from '../ledger/errors.js';
import { AES_256_KEY_BYTES, AES_GCM_IV_BYTES, openAesGcm, sealAesGcm, type Sealed } from './aead.js';

export const KEK_ENV_VAR = 'CARELEDGER_KEK';
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

export interface KekSource {
  /** base64url text, normally the value of CARELEDGER_KEK; wins over `file`. */
  env?: string | undefined;
  /** Path of a key file holding base64url text, mode 0600. */
  file?: string | undefined;
}

/** Loads the KEK from the environment value, else from the key file. Errors name the source, never the key. */
export function loadKek(source: KekSource): Kek {
  if (source.env !== undefined && source.env.trim() !== '') return kekFromText(source.env, KEK_ENV_VAR);
  if (source.file === undefined) {
    throw new CareLedgerError('NOT_FOUND', `no key-encryption key: set ${KEK_ENV_VAR} or a key file`, { field: 'kek' });
  }
  let fd: number;
  try {
    fd = openSync(source.file, 'r');
  } catch (cause) {
    throw new CareLedgerError('NOT_FOUND', 'key-encryption key file cannot be opened', { field: 'kekFile', cause });
  }
  try {
    // Like ssh: refuse a key file that others can read (POSIX only).
    if (process.platform !== 'win32' && (fstatSync(fd).mode & 0o077) !== 0) {
      throw new CareLedgerError('FORBIDDEN', 'key-encryption key file must not be readable by group or others (chmod 600)', {
        field: 'kekFile',
      });
    }
    return kekFromText(readFileSync(fd, 'utf8'), 'kekFile');
  } finally {
    closeSync(fd);
  }
}

/** Creates a new key file (mode 0600, base64url text). Never overwrites: losing a KEK shreds the whole vault. */
export function createKekFile(path: string): Kek {
  const raw = new Uint8Array(randomBytes(KEK_BYTES));
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (cause) {
    raw.fill(0);
    const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST';
    throw new CareLedgerError(exists ? 'ALREADY_EXISTS' : 'INTERNAL', 'cannot create key-encryption key file', {
      field: 'kekFile',
      cause,
    });
  }
  try {
    fchmodSync(fd, 0o600); // the umask may have narrowed it further; make it exact
    writeSync(fd, `${toBase64Url(raw)}\n`);
    fsyncSync(fd);
    return Kek.fromBytes(raw);
  } finally {
    closeSync(fd);
    raw.fill(0);
  }
}

function kekFromText(text: string, field: string): Kek {
  const raw = fromBase64Url(text.trim());
  if (raw?.byteLength !== KEK_BYTES) {
    throw new CareLedgerError('MALFORMED', `key-encryption key must be base64url of ${KEK_BYTES} bytes`, { field });
  }
  try {
    return Kek.fromBytes(raw);
  } finally {
    raw.fill(0);
  }
}
