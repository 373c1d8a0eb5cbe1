// Salted record commitments anchored on the ledger (ARCHITECTURE section 5,
// records contract): HMAC-SHA-256 keyed by a per-version 32-byte salt over
// "careledger.commit/1\n" || plaintext. Without the salt (kept encrypted in the
// vault and destroyed on erasure) the commitment cannot be linked to the data.
import { constantTimeEqual, fromBase64Url, hmacSha256, hmacSha256Base64Url, utf8 } from '../crypto/index.js';
import { CareLedgerError } from '../errors/index.js';

export const COMMITMENT_DOMAIN = 'careledger.commit/1\n';
export const COMMITMENT_SALT_BYTES = 32;
const DOMAIN_BYTES = utf8(COMMITMENT_DOMAIN);

/** base64url(HMAC-SHA-256(salt, "careledger.commit/1\n" || plaintext)). */
export function commitmentOf(salt: Uint8Array, plaintext: Uint8Array): string {
  if (salt.byteLength !== COMMITMENT_SALT_BYTES) {
    throw new CareLedgerError('MALFORMED', `commitment salt must be ${COMMITMENT_SALT_BYTES} bytes`, { field: 'salt' });
  }
  return hmacSha256Base64Url(salt, DOMAIN_BYTES, plaintext);
}

/** Checks a received record against its on-ledger commitment, in constant time. */
export function verifyCommitment(salt: Uint8Array, plaintext: Uint8Array, commitment: string): boolean {
  if (salt.byteLength !== COMMITMENT_SALT_BYTES) return false;
  const expected = fromBase64Url(commitment);
  if (expected === undefined) return false;
  return constantTimeEqual(hmacSha256(salt, DOMAIN_BYTES, plaintext), expected);
}
