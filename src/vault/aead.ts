// AES-256-GCM sealing for the vault (ARCHITECTURE section 6): one primitive for
// both wrapping data keys under the KEK and encrypting record versions. Every
// call takes its own random 96-bit IV and an AAD that names what is sealed, so
// a ciphertext cannot be replayed under another patient, record or version.
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { concatBytes } from '../crypto/index.js';

export const AES_GCM = 'aes-256-gcm';
export const AES_GCM_IV_BYTES = 12;
export const AES_GCM_TAG_BYTES = 16;
export const AES_256_KEY_BYTES = 32;

/** A sealed value: `sealed` is ciphertext || 16-byte tag. */
export interface Sealed {
  readonly iv: Uint8Array;
  readonly sealed: Uint8Array;
}

/** Encrypts under a fresh random IV (NIST SP 800-38D section 8.2.2). */
export function sealAesGcm(key: KeyObject, plaintext: Uint8Array, aad: Uint8Array): Sealed {
  const iv = new Uint8Array(randomBytes(AES_GCM_IV_BYTES));
  const cipher = createCipheriv(AES_GCM, key, iv, { authTagLength: AES_GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const body = concatBytes(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
  return { iv, sealed: body };
}

/**
 * Decrypts and authenticates; returns undefined on any failure (wrong key,
 * altered IV, ciphertext, tag or AAD). Callers turn that into a typed error;
 * the underlying error is dropped because it says nothing useful.
 */
export function openAesGcm(key: KeyObject, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (iv.byteLength !== AES_GCM_IV_BYTES || sealed.byteLength < AES_GCM_TAG_BYTES) return undefined;
  const cut = sealed.byteLength - AES_GCM_TAG_BYTES;
  try {
    const decipher = createDecipheriv(AES_GCM, key, iv, { authTagLength: AES_GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(cut));
    return concatBytes(decipher.update(sealed.subarray(0, cut)), decipher.final());
  } catch {
    return undefined;
  }
}
