// X25519 key generation for HPKE (RFC 9180 DHKEM(X25519)). The key is
// generated as PKCS#8 DER and imported again, never used as generated: on
// Node 20 a generated KeyObject shares a mutex with its key-generation job,
// and exporting it (as a JWK) while a garbage collection finalises that job
// deadlocks the thread (see generateSigningKey in ed25519.ts). A raw 32-byte
// private key imports the same way (PKCS#8 DER, RFC 8410), never as a JWK.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** PKCS#8 DER prefix of an X25519 private key (RFC 8410 section 7); the 32 key bytes follow. */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** A new X25519 private key (its public half: createPublicKey(key)). */
export function generateX25519PrivateKey(): KeyObject {
  const der = generateKeyPairSync('x25519', {
    privateKeyEncoding: { format: 'der', type: 'pkcs8' },
    publicKeyEncoding: { format: 'der', type: 'spki' },
  }).privateKey;
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

/** An X25519 private key from its raw 32 bytes (RFC 7748 scalar, as HPKE's skRm and skEm). */
export function x25519PrivateKeyFromBytes(raw: Uint8Array): KeyObject {
  if (raw.byteLength !== 32) throw new RangeError('an X25519 private key is 32 bytes');
  const der = Buffer.concat([PKCS8_X25519_PREFIX, raw]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}
