// HPKE (RFC 9180) base mode for exchange responses: DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, AES-256-GCM, with @hpke/core's own (WebCrypto) X25519 KEM. One
// seal per response (DOMAIN.md: about 500 seals/s, so never one per record).
// info binds the protocol; aad binds the request being answered.
import type { KeyObject, webcrypto } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { fromBase64Url, toBase64Url, utf8 } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';

/** RFC 9180 identifiers: KEM 0x0020, KDF 0x0001, AEAD 0x0002. */
export const HPKE_SUITE = { kem: 'DHKEM(X25519, HKDF-SHA256)', kdf: 'HKDF-SHA256', aead: 'AES-256-GCM' } as const;
export const HPKE_INFO = 'careledger.exchange/1';
const INFO_BYTES = utf8(HPKE_INFO);
const X25519_BYTES = 32;

let suite: CipherSuite | undefined;
function cipherSuite(): CipherSuite {
  suite ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  return suite;
}

/** An imported X25519 key pair for opening (WebCrypto keys; lib has no CryptoKeyPair without DOM). */
export interface HpkeRecipientKey {
  privateKey: webcrypto.CryptoKey;
  publicKey: webcrypto.CryptoKey;
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
  const s = cipherSuite();
  const recipient = await s.kem.deserializePublicKey(raw);
  const sealed = await s.seal({ recipientPublicKey: recipient, info: INFO_BYTES }, plaintext, aad);
  return { enc: toBase64Url(new Uint8Array(sealed.enc)), ciphertext: toBase64Url(new Uint8Array(sealed.ct)) };
}

/** Imports a node's X25519 private key (unsealed from the node's keyring, as a KeyObject) for opening. */
export async function importHpkePrivateKey(privateKey: KeyObject): Promise<HpkeRecipientKey> {
  const jwk = privateKey.export({ format: 'jwk' });
  const d = typeof jwk.d === 'string' ? fromBase64Url(jwk.d) : undefined;
  if (jwk.crv !== 'X25519' || d?.byteLength !== X25519_BYTES) {
    throw new CareLedgerError('INTERNAL', 'the HPKE key is not an X25519 private key', { field: 'hpkeKey' });
  }
  const s = cipherSuite();
  const sk = await s.kem.deserializePrivateKey(d);
  const pk = await s.kem.deserializePublicKey(fromBase64Url(String(jwk.x)) ?? new Uint8Array(0));
  d.fill(0);
  return { privateKey: sk, publicKey: pk };
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
    const pt = await cipherSuite().open({ recipientKey, enc, info: INFO_BYTES }, ct, aad);
    return new Uint8Array(pt);
  } catch (cause) {
    throw new CareLedgerError('CONFLICT', 'the sealed bundle does not open with this node key and request', { field: 'sealed', cause });
  }
}
