// X25519 key generation for HPKE (RFC 9180 DHKEM(X25519)). The key is
// generated as PKCS#8 DER and imported again, never used as generated: on
// Node 20 a generated KeyObject shares a mutex with its key-generation job,
// and exporting it (as a JWK) while a garbage collection finalises that job
// deadlocks the thread (see generateSigningKey in ed25519.ts).
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

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
