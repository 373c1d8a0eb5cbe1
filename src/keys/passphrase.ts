// The passphrase provider: the keyring key is wrapped under
// scrypt(passphrase, salt) (RFC 7914; N = 2^17, r = 8, p = 1 by default:
// 128 MiB and about half a second per unlock), AES-256-GCM. The passphrase is
// NFC-normalised so the same words typed on another keyboard still unlock.
import { randomBytes, scryptSync } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';
import { openLocal, sealLocal } from './local-aes.js';
import type { KeyWrapper, ScryptParams, WrapParams } from './wrapper.js';

export const PASSPHRASE_MIN_CHARS = 12;
export const DEFAULT_SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
const SALT_BYTES = 16;

/** A wrapper for a new keyring: fresh salt, the given or default cost. */
export function newPassphraseWrapper(passphrase: string, cost: { N: number; r: number; p: number } = DEFAULT_SCRYPT): KeyWrapper {
  if ([...passphrase.normalize('NFC')].length < PASSPHRASE_MIN_CHARS) {
    throw new CareLedgerError('MALFORMED', `the passphrase must have at least ${PASSPHRASE_MIN_CHARS} characters`, { field: 'passphrase' });
  }
  return passphraseWrapper({ kind: 'passphrase', kdf: 'scrypt', salt: toBase64Url(randomBytes(SALT_BYTES)), ...cost }, passphrase);
}

/** A wrapper for the parameters stored in a keyring header. */
export function passphraseWrapper(params: Extract<WrapParams, { kind: 'passphrase' }>, passphrase: string): KeyWrapper {
  const derive = (): Uint8Array => deriveKey(params, passphrase);
  return {
    params,
    wrap(key, aad) {
      const k = derive();
      try {
        return sealLocal(k, key, aad);
      } finally {
        k.fill(0);
      }
    },
    unwrap(wrapped, aad) {
      const k = derive();
      try {
        return openLocal(k, wrapped, aad);
      } finally {
        k.fill(0);
      }
    },
  };
}

function deriveKey(params: ScryptParams, passphrase: string): Uint8Array {
  const salt = fromBase64Url(params.salt);
  if (!salt) throw new CareLedgerError('MALFORMED', 'keyring salt is not base64url', { field: 'keyring' });
  const secret = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  try {
    return scryptSync(secret, salt, 32, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r * params.p });
  } finally {
    secret.fill(0);
  }
}
