// Ed25519 (RFC 8032) keys, key ids and signatures on node:crypto.
// Key id = "ed25519:" + base64url(raw 32-byte public key) (ARCHITECTURE section 4).
// Public KeyObjects are cached by key id: importing a key per verify halves throughput.
import {
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { fromBase64Url, toBase64Url } from './bytes.js';

export const KEY_ID_PREFIX = 'ed25519:';
export const KEY_ID_PATTERN = /^ed25519:[A-Za-z0-9_-]{43}$/;

export type KeyId = string;

export interface SigningKey {
  readonly keyId: KeyId;
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
}

const publicKeyCache = new Map<KeyId, KeyObject | null>();
const CACHE_LIMIT = 100_000;

export function keyIdFromPublicKey(raw: Uint8Array): KeyId {
  if (raw.byteLength !== 32) throw new RangeError('Ed25519 public key must be 32 bytes');
  return KEY_ID_PREFIX + toBase64Url(raw);
}

/** The raw public key of a key id, or undefined if the id is malformed. */
export function publicKeyFromKeyId(keyId: string): Uint8Array | undefined {
  if (!KEY_ID_PATTERN.test(keyId)) return undefined;
  const raw = fromBase64Url(keyId.slice(KEY_ID_PREFIX.length));
  return raw?.byteLength === 32 ? raw : undefined;
}

function publicKeyObject(keyId: KeyId): KeyObject | null {
  const cached = publicKeyCache.get(keyId);
  if (cached !== undefined) return cached;
  const raw = publicKeyFromKeyId(keyId);
  let key: KeyObject | null = null;
  if (raw) {
    try {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(raw) }, format: 'jwk' });
    } catch {
      key = null;
    }
  }
  if (publicKeyCache.size >= CACHE_LIMIT) publicKeyCache.clear();
  publicKeyCache.set(keyId, key);
  return key;
}

function fromPrivateKeyObject(privateKey: KeyObject): SigningKey {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const raw = fromBase64Url(String(jwk.x));
  if (!raw || raw.byteLength !== 32 || jwk.crv !== 'Ed25519') throw new TypeError('not an Ed25519 key');
  return { keyId: keyIdFromPublicKey(raw), privateKey, publicKey: raw };
}

/**
 * A new random signing key: 32 random bytes as the RFC 8032 secret key.
 * Not generateKeyPairSync: on Node 20 a generated KeyObject shares a mutex
 * with its key-generation job, and a JWK export of it (fromPrivateKeyObject)
 * that triggers a garbage collection finalising that job deadlocks the thread
 * (a hang under load: ExportJWKEdKey holds the lock while allocating,
 * ~KeyGenJob waits for it). An imported key has no job to share a lock with.
 */
export function generateSigningKey(): SigningKey {
  const seed = randomBytes(32);
  try {
    return signingKeyFromSeed(seed);
  } finally {
    seed.fill(0);
  }
}

/** PKCS#8 (RFC 8410) prefix of an Ed25519 private key: the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * A signing key from a raw 32-byte RFC 8032 secret key (seed), imported as
 * PKCS#8 DER (RFC 8410). A JWK would need the public x beside d: Node 20
 * accepted an empty x and derived it, later lines reject it.
 */
export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.byteLength !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  return fromPrivateKeyObject(createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
}

export function signingKeyFromPem(pem: string): SigningKey {
  return fromPrivateKeyObject(createPrivateKey({ key: pem, format: 'pem' }));
}

export function signingKeyToPem(key: SigningKey): string {
  return key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function signBytes(key: SigningKey, message: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign(null, message, key.privateKey));
}

/** Verifies an Ed25519 signature by key id; false for malformed ids or signatures. */
export function verifyBytes(keyId: KeyId, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.byteLength !== 64) return false;
  const key = publicKeyObject(keyId);
  if (!key) return false;
  return nodeVerify(null, message, key, signature);
}
