// Public face of the crypto layer: everything above imports from here.
export { toBase64Url, fromBase64Url, toHex, fromHex, utf8, concatBytes, constantTimeEqual } from './bytes.js';
export { sha256, sha256Hex, hmacSha256, hmacSha256Base64Url } from './hash.js';
export { canonicalJson, canonicalBytes } from './jcs.js';
export {
  KEY_ID_PREFIX,
  KEY_ID_PATTERN,
  keyIdFromPublicKey,
  publicKeyFromKeyId,
  generateSigningKey,
  signingKeyFromSeed,
  signingKeyFromPem,
  signingKeyToPem,
  signBytes,
  verifyBytes,
} from './ed25519.js';
export type { KeyId, SigningKey } from './ed25519.js';
export { signingInput, signCanonical, verifyCanonical } from './sign.js';
export { generateX25519PrivateKey, x25519PrivateKeyFromBytes } from './x25519.js';
export {
  AES_GCM_IV_BYTES,
  AES_GCM_TAG_BYTES,
  AES_256_KEY_BYTES,
  sealAesGcm,
  openAesGcm,
  sealAesGcmBlob,
  openAesGcmBlob,
  sealAesGcmWithNonce,
} from './aead.js';
export type { AesKey, AesGcmSealed } from './aead.js';
export { HKDF_SHA256_HASH_BYTES, HKDF_SHA256_MAX_BYTES, hkdfExtract, hkdfExpand, hkdfSha256 } from './hkdf.js';
export { hpkeSeal, hpkeOpen, x25519PublicBytes, HpkeError } from './hpke.js';
export type { HpkeSealed } from './hpke.js';
export { spkiPin, certificatePin } from './tls-pin.js';
