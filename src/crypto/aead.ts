// AES-256-GCM (NIST SP 800-38D), the one AEAD of CareLedger: 96-bit IVs,
// 128-bit tags, an AAD on every call that names what is sealed. One
// implementation (encrypt/decrypt below) under the framings the callers store:
//   - split:  { iv, sealed: ciphertext || tag }  (vault record versions and
//             wrapped data keys keep the IV in its own column);
//   - blob:   iv || ciphertext || tag           (keyring and key wrapping,
//             search-index labels, the access log and its journal);
//   - with a given nonce: ciphertext || tag     (HPKE, whose nonce comes from
//             its key schedule, RFC 9180 section 5.2).
// Opening returns undefined on any failure (wrong key, altered IV,
// ciphertext, tag or AAD, a blob too short): the library's error says nothing
// useful, and callers turn the refusal into their own typed error.
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';

export const AES_GCM_IV_BYTES = 12;
export const AES_GCM_TAG_BYTES = 16;
export const AES_256_KEY_BYTES = 32;
const AES_GCM = 'aes-256-gcm';

/** A 32-byte AES key: raw bytes or a secret KeyObject. */
export type AesKey = KeyObject | Uint8Array;

/** The split framing: the IV apart, `sealed` is ciphertext || 16-byte tag. */
export interface AesGcmSealed {
  readonly iv: Uint8Array;
  readonly sealed: Uint8Array;
}

/** The one encryption: [iv ||] ciphertext || tag in a single Buffer. */
function encrypt(key: AesKey, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, ivFirst: boolean): Buffer {
  const cipher = createCipheriv(AES_GCM, key, iv, { authTagLength: AES_GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const tag = cipher.getAuthTag();
  return Buffer.concat(ivFirst ? [iv, head, tail, tag] : [head, tail, tag]);
}

/** The one decryption: `body` is ciphertext || tag; undefined unless it authenticates. */
function decrypt(key: AesKey, iv: Uint8Array, body: Uint8Array, aad: Uint8Array): Buffer | undefined {
  if (iv.byteLength !== AES_GCM_IV_BYTES || body.byteLength < AES_GCM_TAG_BYTES) return undefined;
  const cut = body.byteLength - AES_GCM_TAG_BYTES;
  try {
    const decipher = createDecipheriv(AES_GCM, key, iv, { authTagLength: AES_GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(body.subarray(cut));
    const head = decipher.update(body.subarray(0, cut));
    return Buffer.concat([head, decipher.final()]);
  } catch {
    return undefined;
  }
}

/** Split framing: encrypts under a fresh random IV (SP 800-38D section 8.2.2). */
export function sealAesGcm(key: AesKey, plaintext: Uint8Array, aad: Uint8Array): AesGcmSealed {
  const iv = new Uint8Array(randomBytes(AES_GCM_IV_BYTES));
  return { iv, sealed: new Uint8Array(encrypt(key, iv, plaintext, aad, false)) };
}

/** Split framing: opens ciphertext || tag under its IV; undefined on any failure. */
export function openAesGcm(key: AesKey, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  const out = decrypt(key, iv, sealed, aad);
  return out === undefined ? undefined : new Uint8Array(out);
}

/**
 * Blob framing: iv || ciphertext || tag. The IV is fresh and random unless
 * the caller brings its own (a deterministic IV per SP 800-38D section
 * 8.2.1, which the caller must never repeat under one key).
 */
export function sealAesGcmBlob(key: AesKey, plaintext: Uint8Array, aad: Uint8Array, iv: Uint8Array = randomBytes(AES_GCM_IV_BYTES)): Buffer {
  if (iv.byteLength !== AES_GCM_IV_BYTES) throw new RangeError(`an AES-GCM IV is ${AES_GCM_IV_BYTES} bytes`);
  return encrypt(key, iv, plaintext, aad, true);
}

/** Blob framing: opens iv || ciphertext || tag; undefined on any failure. */
export function openAesGcmBlob(key: AesKey, blob: Uint8Array, aad: Uint8Array): Buffer | undefined {
  if (blob.byteLength < AES_GCM_IV_BYTES + AES_GCM_TAG_BYTES) return undefined;
  return decrypt(key, blob.subarray(0, AES_GCM_IV_BYTES), blob.subarray(AES_GCM_IV_BYTES), aad);
}

/** ciphertext || tag under a nonce the caller derived (HPKE); the nonce must never repeat under one key. */
export function sealAesGcmWithNonce(key: AesKey, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  return new Uint8Array(encrypt(key, nonce, plaintext, aad, false));
}
