// HPKE (RFC 9180) base mode for exchange responses: DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, AES-256-GCM. One seal per response (DOMAIN.md: about 500
// seals/s, so never one per record). info binds the protocol; aad binds the
// request being answered.
//
// The cipher is src/crypto/hpke.ts, the one HPKE of the code base (the consent
// book already opens with it), no longer @hpke/core: one implementation to
// review, checked against the RFC 9180 vectors of this very suite, synchronous
// over node:crypto, and no WebCrypto key import per node start. The bytes on
// the wire do not change: HPKE is a standard, enc and ct are the same fields
// in the same encoding, and hpke.test.ts here checks that bundles sealed by
// @hpke/core (what nodes of earlier releases send) open, and that what we
// seal opens with @hpke/core. @hpke/core stays as that test's reference.
// The functions keep their async signatures so callers need not change.
import type { KeyObject } from 'node:crypto';
import { fromBase64Url, hpkeOpen, hpkeSeal, toBase64Url, utf8 } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';

/** RFC 9180 identifiers: KEM 0x0020, KDF 0x0001, AEAD 0x0002. */
export const HPKE_SUITE = { kem: 'DHKEM(X25519, HKDF-SHA256)', kdf: 'HKDF-SHA256', aead: 'AES-256-GCM' } as const;
export const HPKE_INFO = 'careledger.exchange/1';
const INFO_BYTES = utf8(HPKE_INFO);
const X25519_BYTES = 32;

/** A node's X25519 private key, checked once for opening bundles (opaque to callers). */
export interface HpkeRecipientKey {
  readonly privateKey: KeyObject;
}

/** A sealed bundle on the wire: the encapsulated key and the ciphertext, base64url. */
export interface SealedBundle {
  enc: string;
  ciphertext: string;
}

/**
 * Seals `plaintext` to a registered X25519 public key (base64url of 32 bytes,
 * as governance stores `hpkePublicKey`). RFC 9180 section 6.1 (SealBase).
 */
export async function sealBundle(recipientPublicKey: string, plaintext: Uint8Array, aad: Uint8Array): Promise<SealedBundle> {
  const raw = fromBase64Url(recipientPublicKey);
  if (raw?.byteLength !== X25519_BYTES) {
    throw new CareLedgerError('UNPROCESSABLE', 'the recipient has no valid registered HPKE key', { field: 'hpkePublicKey' });
  }
  const sealed = hpkeSeal(raw, INFO_BYTES, aad, plaintext);
  return { enc: toBase64Url(sealed.enc), ciphertext: toBase64Url(sealed.ct) };
}

/** Checks a node's X25519 private key (unsealed from the node's keyring, as a KeyObject) for opening. */
export async function importHpkePrivateKey(privateKey: KeyObject): Promise<HpkeRecipientKey> {
  const jwk = privateKey.export({ format: 'jwk' });
  const d = typeof jwk.d === 'string' ? fromBase64Url(jwk.d) : undefined;
  const ok = jwk.crv === 'X25519' && d?.byteLength === X25519_BYTES;
  d?.fill(0);
  if (!ok) throw new CareLedgerError('INTERNAL', 'the HPKE key is not an X25519 private key', { field: 'hpkeKey' });
  return { privateKey };
}

/**
 * Opens a sealed bundle (RFC 9180 section 6.1, OpenBase). Any failure (wrong
 * key, altered enc, ciphertext or aad) is CONFLICT with field 'sealed': the
 * caller cannot tell which, and must not use the bytes.
 */
export async function openBundle(recipientKey: HpkeRecipientKey, sealed: SealedBundle, aad: Uint8Array): Promise<Uint8Array> {
  const enc = fromBase64Url(sealed.enc);
  const ct = fromBase64Url(sealed.ciphertext);
  if (enc?.byteLength !== X25519_BYTES || ct === undefined) {
    throw new CareLedgerError('CONFLICT', 'the sealed bundle does not decode', { field: 'sealed' });
  }
  try {
    return hpkeOpen(recipientKey.privateKey, { enc, ct }, INFO_BYTES, aad);
  } catch (cause) {
    throw new CareLedgerError('CONFLICT', 'the sealed bundle does not open with this node key and request', { field: 'sealed', cause });
  }
}
