// Domain-separated signatures: every signed structure is prefixed with its own
// domain string so a signature over one kind of object can never be replayed
// as a signature over another.
import { concatBytes, utf8 } from './bytes.js';
import { canonicalBytes } from './jcs.js';
import { signBytes, verifyBytes, type KeyId, type SigningKey } from './ed25519.js';

/** The bytes signed for `value` under `domain`: domain || JCS(value). */
export function signingInput(domain: string, value: unknown): Uint8Array {
  return concatBytes(utf8(domain), canonicalBytes(value));
}

export function signCanonical(key: SigningKey, domain: string, value: unknown): Uint8Array {
  return signBytes(key, signingInput(domain, value));
}

export function verifyCanonical(keyId: KeyId, domain: string, value: unknown, signature: Uint8Array): boolean {
  return verifyBytes(keyId, signingInput(domain, value), signature);
}
