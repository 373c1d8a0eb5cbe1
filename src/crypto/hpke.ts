// HPKE (RFC 9180) base mode, single-shot, synchronous over node:crypto:
// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM (suite 0x0020/0x0001/
// 0x0002), the one HPKE of CareLedger: the exchange seals its responses with
// it (src/exchange/hpke.ts) and the consent book opens sealed consent bodies
// with it on demand (synchronously: the consent decision is a pure,
// synchronous function). Only the first message of a context is used
// (sequence number 0); no PSK, auth or export. Checked against the CFRG
// vectors of RFC 9180 for this suite (test/vectors/rfc9180-hpke.json) and,
// both ways, against @hpke/core (hpke.test.ts).
import { createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { AES_GCM_TAG_BYTES, AES_256_KEY_BYTES, AES_GCM_IV_BYTES, openAesGcm, sealAesGcmWithNonce } from './aead.js';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './bytes.js';
import { hkdfExpand, hkdfExtract } from './hkdf.js';
import { generateX25519PrivateKey } from './x25519.js';

const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0002;
const N_SECRET = 32;
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
const EMPTY = new Uint8Array(0);

// RFC 9180 section 4: LabeledExtract and LabeledExpand.
const labeledExtract = (suite: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array =>
  hkdfExtract(salt, concatBytes(V1, suite, utf8(label), ikm));
const labeledExpand = (suite: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, length: number): Uint8Array =>
  hkdfExpand(prk, concatBytes(i2osp2(length), V1, suite, utf8(label), info), length);

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

/** DHKEM ExtractAndExpand (RFC 9180 section 4.1); kem_context = enc || pkRm. */
function sharedSecret(dhBytes: Uint8Array, enc: Uint8Array, pkR: Uint8Array): Uint8Array {
  const prk = labeledExtract(KEM_SUITE, EMPTY, 'eae_prk', dhBytes);
  return labeledExpand(KEM_SUITE, prk, 'shared_secret', concatBytes(enc, pkR), N_SECRET);
}

/** What the base-mode key schedule derives (RFC 9180 section 5.1); exported for the known-answer test. */
export interface HpkeBaseSchedule {
  keyScheduleContext: Uint8Array;
  secret: Uint8Array;
  key: Uint8Array;
  baseNonce: Uint8Array;
}

/** KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = ""). Internal: not exported from index.ts. */
export function hpkeBaseKeySchedule(shared: Uint8Array, info: Uint8Array): HpkeBaseSchedule {
  const pskIdHash = labeledExtract(HPKE_SUITE, EMPTY, 'psk_id_hash', EMPTY);
  const infoHash = labeledExtract(HPKE_SUITE, EMPTY, 'info_hash', info);
  const keyScheduleContext = concatBytes(new Uint8Array([MODE_BASE]), pskIdHash, infoHash);
  const secret = labeledExtract(HPKE_SUITE, shared, 'secret', EMPTY);
  return {
    keyScheduleContext,
    secret,
    key: labeledExpand(HPKE_SUITE, secret, 'key', keyScheduleContext, AES_256_KEY_BYTES),
    baseNonce: labeledExpand(HPKE_SUITE, secret, 'base_nonce', keyScheduleContext, AES_GCM_IV_BYTES),
  };
}

/** A single-shot HPKE ciphertext: the encapsulated key and the AEAD output (ciphertext || tag). */
export interface HpkeSealed {
  enc: Uint8Array;
  ct: Uint8Array;
}

/**
 * Encap (RFC 9180 section 4.1) with a given ephemeral private key skE.
 * Internal, for the known-answer test: production code seals with hpkeSeal,
 * which always draws a fresh skE. Not exported from index.ts.
 */
export function hpkeEncapWithEphemeral(skE: KeyObject, recipientPublicKey: Uint8Array): { enc: Uint8Array; sharedSecret: Uint8Array } {
  const pkR = publicKeyOf(recipientPublicKey);
  const enc = x25519PublicBytes(skE);
  return { enc, sharedSecret: sharedSecret(dh(skE, pkR), enc, recipientPublicKey) };
}

/**
 * SealBase (RFC 9180 section 6.1) with a given ephemeral private key skE.
 * Internal, for the known-answer test (never reuse an skE). Not exported from index.ts.
 */
export function hpkeSealWithEphemeral(skE: KeyObject, recipientPublicKey: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): HpkeSealed {
  const { enc, sharedSecret: shared } = hpkeEncapWithEphemeral(skE, recipientPublicKey);
  const { key, baseNonce } = hpkeBaseKeySchedule(shared, info);
  try {
    // Sequence number 0: the nonce is base_nonce itself (section 5.2).
    return { enc, ct: sealAesGcmWithNonce(key, baseNonce, plaintext, aad) };
  } finally {
    key.fill(0);
    shared.fill(0);
  }
}

/** SealBase (RFC 9180 section 6.1) to a raw 32-byte X25519 public key, under a fresh ephemeral key. */
export function hpkeSeal(recipientPublicKey: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): HpkeSealed {
  if (recipientPublicKey.byteLength !== X25519_BYTES) throw new HpkeError('an X25519 public key is 32 bytes');
  return hpkeSealWithEphemeral(generateX25519PrivateKey(), recipientPublicKey, info, aad, plaintext);
}

/**
 * OpenBase (RFC 9180 section 6.1) with an X25519 private key. Throws
 * HpkeError for any failure (malformed enc, wrong key, altered enc, ct, info
 * or aad) without saying which.
 */
export function hpkeOpen(recipientPrivateKey: KeyObject, sealed: HpkeSealed, info: Uint8Array, aad: Uint8Array): Uint8Array {
  if (sealed.enc.byteLength !== X25519_BYTES || sealed.ct.byteLength < AES_GCM_TAG_BYTES) throw new HpkeError('sealed data is malformed');
  const pkR = x25519PublicBytes(recipientPrivateKey);
  let key: Uint8Array | undefined;
  let pt: Uint8Array | undefined;
  try {
    const shared = sharedSecret(dh(recipientPrivateKey, publicKeyOf(sealed.enc)), sealed.enc, pkR);
    const schedule = hpkeBaseKeySchedule(shared, info);
    shared.fill(0);
    key = schedule.key;
    pt = openAesGcm(key, schedule.baseNonce, sealed.ct, aad);
  } catch {
    pt = undefined;
  } finally {
    key?.fill(0);
  }
  if (pt === undefined) throw new HpkeError('sealed data does not open with this key');
  return pt;
}
