// HKDF-SHA256 (RFC 5869) over hmacSha256: extract and expand as separate steps
// (HPKE's LabeledExtract and LabeledExpand, RFC 9180 section 4, need them
// apart) and the one-shot extract-then-expand the key files use to derive
// subkeys from a master key. node:crypto's hkdfSync only offers the one-shot
// form, so both are built here, once, and checked against RFC 5869 Appendix A
// (test/vectors/rfc5869-hkdf-sha256.json).
import { hmacSha256 } from './hash.js';

/** SHA-256 output length in bytes (HashLen). */
export const HKDF_SHA256_HASH_BYTES = 32;
/** The most bytes one expand may produce: 255 * HashLen (RFC 5869 section 2.3). */
export const HKDF_SHA256_MAX_BYTES = 255 * HKDF_SHA256_HASH_BYTES;

/** HKDF-Extract(salt, IKM) -> PRK; an empty salt means HashLen zero bytes (section 2.2). */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha256(salt.byteLength === 0 ? new Uint8Array(HKDF_SHA256_HASH_BYTES) : salt, ikm);
}

/** HKDF-Expand(PRK, info, L) -> OKM of `length` bytes (section 2.3). */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > HKDF_SHA256_MAX_BYTES) {
    throw new RangeError(`HKDF-SHA256 output length must be 0..${HKDF_SHA256_MAX_BYTES}`);
  }
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, off = 0; off < length; i += 1) {
    t = hmacSha256(prk, t, info, new Uint8Array([i]));
    out.set(t.subarray(0, Math.min(t.byteLength, length - off)), off);
    off += t.byteLength;
  }
  return out;
}

/** HKDF(salt, IKM, info, L): extract then expand; the PRK is wiped before returning. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = hkdfExtract(salt, ikm);
  try {
    return hkdfExpand(prk, info, length);
  } finally {
    prk.fill(0);
  }
}
