// HPKE base mode (RFC 9180) with WebCrypto: DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, AES-256-GCM, one message (sequence 0). The portal seals a
// consent body to the custodian organisation's registered key with it, as
// src/contracts/consent/sealed.ts specifies (the node opens it with its own
// implementation; the end-to-end test checks the two agree).
import { concat, utf8 } from './bytes.js';

const KEM_SUITE = concat(utf8('KEM'), new Uint8Array([0x00, 0x20]));
const HPKE_SUITE = concat(utf8('HPKE'), new Uint8Array([0x00, 0x20, 0x00, 0x01, 0x00, 0x02]));
const ZERO_SALT = new Uint8Array(32); // RFC 5869: an empty salt is HashLen zeros

async function hmac(key: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const k = await crypto.subtle.importKey('raw', key.length === 0 ? ZERO_SALT : key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
}

const labeledExtract = (suite: Uint8Array, salt: Uint8Array<ArrayBuffer>, label: string, ikm: Uint8Array) =>
  hmac(salt, concat(utf8('HPKE-v1'), suite, utf8(label), ikm));

/** HKDF-Expand for at most one block (L <= 32), which is all HPKE's base mode needs here. */
async function labeledExpand(suite: Uint8Array, prk: Uint8Array<ArrayBuffer>, label: string, info: Uint8Array, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const labeled = concat(new Uint8Array([0, length]), utf8('HPKE-v1'), suite, utf8(label), info);
  return (await hmac(prk, concat(labeled, new Uint8Array([1])))).slice(0, length);
}

export interface Sealed {
  enc: Uint8Array<ArrayBuffer>;
  ct: Uint8Array<ArrayBuffer>;
}

export async function hpkeSeal(recipient: Uint8Array<ArrayBuffer>, info: Uint8Array, aad: Uint8Array<ArrayBuffer>, plaintext: Uint8Array<ArrayBuffer>): Promise<Sealed> {
  const eph = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  const enc = new Uint8Array(await crypto.subtle.exportKey('raw', eph.publicKey));
  const pkR = await crypto.subtle.importKey('raw', recipient, { name: 'X25519' }, false, []);
  const dh = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: pkR }, eph.privateKey, 256));
  const eaePrk = await labeledExtract(KEM_SUITE, new Uint8Array(0), 'eae_prk', dh);
  const shared = await labeledExpand(KEM_SUITE, eaePrk, 'shared_secret', concat(enc, recipient), 32);
  const pskIdHash = await labeledExtract(HPKE_SUITE, new Uint8Array(0), 'psk_id_hash', new Uint8Array(0));
  const infoHash = await labeledExtract(HPKE_SUITE, new Uint8Array(0), 'info_hash', info);
  const context = concat(new Uint8Array([0]), pskIdHash, infoHash);
  const secret = await labeledExtract(HPKE_SUITE, shared, 'secret', new Uint8Array(0));
  const key = await labeledExpand(HPKE_SUITE, secret, 'key', context, 32);
  const nonce = await labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, 12);
  const aes = await crypto.subtle.importKey('raw', key, { name: 'AES-GCM' }, false, ['encrypt']);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad }, aes, plaintext));
  return { enc, ct };
}
