// AES-256-GCM under a key held in memory, as IV || ciphertext || tag: the
// wrapping of the passphrase and key-file providers and the keyring body.
// The blob framing of src/crypto/aead.ts, as plain Uint8Arrays.
import { openAesGcmBlob, sealAesGcmBlob, type AesKey } from '../crypto/index.js';

/** Seals under `key` (32 raw bytes or a KeyObject) with a fresh random IV. */
export function sealLocal(key: AesKey, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  return new Uint8Array(sealAesGcmBlob(key, plaintext, aad));
}

/** Opens IV || ciphertext || tag; undefined on any failure. */
export function openLocal(key: AesKey, blob: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  const out = openAesGcmBlob(key, blob, aad);
  return out === undefined ? undefined : new Uint8Array(out);
}
