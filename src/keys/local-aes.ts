// AES-256-GCM under a key held in memory, as IV || ciphertext || tag: the
// wrapping of the passphrase and key-file providers and the keyring body.
import { createSecretKey, type KeyObject } from 'node:crypto';
import { concatBytes } from '../crypto/index.js';
import { AES_GCM_IV_BYTES, openAesGcm, sealAesGcm } from '../vault/index.js';

/** Seals under `key` (32 raw bytes or a KeyObject) with a fresh random IV. */
export function sealLocal(key: Uint8Array | KeyObject, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const { iv, sealed } = sealAesGcm(keyObjectOf(key), plaintext, aad);
  return concatBytes(iv, sealed);
}

/** Opens IV || ciphertext || tag; undefined on any failure. */
export function openLocal(key: Uint8Array | KeyObject, blob: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (blob.byteLength <= AES_GCM_IV_BYTES) return undefined;
  return openAesGcm(keyObjectOf(key), blob.subarray(0, AES_GCM_IV_BYTES), blob.subarray(AES_GCM_IV_BYTES), aad);
}

function keyObjectOf(key: Uint8Array | KeyObject): KeyObject {
  return key instanceof Uint8Array ? createSecretKey(key) : key;
}
