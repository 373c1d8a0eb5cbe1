// HPKE (RFC 9180) base mode, single-shot, synchronous over node:crypto:
// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM (suite 0x0020/0x0001/
// 0x0002, the exchange's suite in src/exchange/hpke.ts). Synchronous so the
// consent decision (a pure, synchronous function) can open sealed consent
// bodies on demand; a unit test checks it interoperates with @hpke/core both
// ways. Only the first message of a context is used (sequence number 0).
import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './bytes.js';
import { hmacSha256 } from './hash.js';
import { generateX25519PrivateKey } from './x25519.js';

const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0002;
const N_SECRET = 32;
const N_KEY = 32;
const N_NONCE = 12;
const N_TAG = 16;
const X25519_BYTES = 32;
const MODE_BASE = 0x00;

/** Why a seal or open failed; the message never carries key or plaintext bytes. */
export class HpkeError extends Error {
  override readonly name = 'HpkeError';
}

const i2osp2 = (n: number): Uint8Array => new Uint8Array([(n >> 8) & 0xff, n & 0xff]);
const KEM_SUITE = concatBytes(utf8('KEM'), i2osp2(KEM_ID));
const HPKE_SUITE = concatBytes(utf8('HPKE'), i2osp2(KEM_ID), i2osp2(KDF_ID), i2osp2(AEAD_ID));
const V1 = utf8('HPKE-v1');

function extract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha256(salt.byteLength === 0 ? new Uint8Array(32) : salt, ikm);
}

function expand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, off = 0; off < length; i += 1) {
    t = hmacSha256(prk, t, info, new Uint8Array([i]));
    out.set(t.subarray(0, Math.min(t.byteLength, length - off)), off);
    off += t.byteLength;
  }
  return out;
}

const labeledExtract = (suite: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array =>
  extract(salt, concatBytes(V1, suite, utf8(label), ikm));
const labeledExpand = (suite: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, length: number): Uint8Array =>
  expand(prk, concatBytes(i2osp2(length), V1, suite, utf8(label), info), length);

function publicKeyOf(raw: Uint8Array): KeyObject {
  if (raw.byteLength !== X25519_BYTES) throw new HpkeError('an X25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: toBase64Url(raw) }, format: 'jwk' });
}

/** The raw 32-byte public key of an X25519 key (private or public KeyObject). */
export function x25519PublicBytes(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const x = pub.export({ format: 'jwk' }).x;
  const raw = typeof x === 'string' ? fromBase64Url(x) : undefined;
  if (raw?.byteLength !== X25519_BYTES) throw new HpkeError('not an X25519 key');
  return raw;
}

function dh(privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  const shared = new Uint8Array(diffieHellman({ privateKey, publicKey }));
  // RFC 9180 section 7.1.4: an all-zero X25519 output (a small-order point) is an error.
  if (shared.every((b) => b === 0)) throw new HpkeError('X25519 produced the all-zero shared secret');
  return shared;
}

function sharedSecret(dhBytes: Uint8Array, enc: Uint8Array, pkR: Uint8Array): Uint8Array {
  const prk = labeledExtract(KEM_SUITE, new Uint8Array(0), 'eae_prk', dhBytes);
  return labeledExpand(KEM_SUITE, prk, 'shared_secret', concatBytes(enc, pkR), N_SECRET);
}

function keySchedule(shared: Uint8Array, info: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const empty = new Uint8Array(0);
  const pskIdHash = labeledExtract(HPKE_SUITE, empty, 'psk_id_hash', empty);
  const infoHash = labeledExtract(HPKE_SUITE, empty, 'info_hash', info);
  const context = concatBytes(new Uint8Array([MODE_BASE]), pskIdHash, infoHash);
  const secret = labeledExtract(HPKE_SUITE, shared, 'secret', empty);
  return {
    key: labeledExpand(HPKE_SUITE, secret, 'key', context, N_KEY),
    nonce: labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, N_NONCE),
  };
}

/** A single-shot HPKE ciphertext: the encapsulated key and the AEAD output (ciphertext || tag). */
export interface HpkeSealed {
  enc: Uint8Array;
  ct: Uint8Array;
}

/**
 * SealBase (RFC 9180 section 6.1) to a raw 32-byte X25519 public key. The
 * ephemeral key (`ephemeral`, for test vectors only) is fresh by default.
 */
export function hpkeSeal(recipientPublicKey: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, ephemeral?: KeyObject): HpkeSealed {
  const pkR = publicKeyOf(recipientPublicKey);
  const skE = ephemeral ?? generateX25519PrivateKey();
  const enc = x25519PublicBytes(skE);
  const shared = sharedSecret(dh(skE, pkR), enc, recipientPublicKey);
  const { key, nonce } = keySchedule(shared, info);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = concatBytes(new Uint8Array(cipher.update(plaintext)), new Uint8Array(cipher.final()), new Uint8Array(cipher.getAuthTag()));
  key.fill(0);
  return { enc, ct: body };
}

/**
 * OpenBase (RFC 9180 section 6.1) with an X25519 private key. Throws
 * HpkeError for any failure (malformed enc, wrong key, altered enc, ct, info
 * or aad) without saying which.
 */
export function hpkeOpen(recipientPrivateKey: KeyObject, sealed: HpkeSealed, info: Uint8Array, aad: Uint8Array): Uint8Array {
  if (sealed.enc.byteLength !== X25519_BYTES || sealed.ct.byteLength < N_TAG) throw new HpkeError('sealed data is malformed');
  const pkR = x25519PublicBytes(recipientPrivateKey);
  let key: Uint8Array | undefined;
  try {
    const shared = sharedSecret(dh(recipientPrivateKey, publicKeyOf(sealed.enc)), sealed.enc, pkR);
    const schedule = keySchedule(shared, info);
    key = schedule.key;
    const decipher = createDecipheriv('aes-256-gcm', key, schedule.nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.ct.subarray(sealed.ct.byteLength - N_TAG));
    const head = decipher.update(sealed.ct.subarray(0, sealed.ct.byteLength - N_TAG));
    return concatBytes(new Uint8Array(head), new Uint8Array(decipher.final()));
  } catch {
    throw new HpkeError('sealed data does not open with this key');
  } finally {
    key?.fill(0);
  }
}
