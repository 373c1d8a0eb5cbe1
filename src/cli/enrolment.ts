// Enrolment codes, the issuing side (the portal's web/src/lib/enrol.ts is the
// redeeming side; docs/portal.md). A code is `<subject>:<secret>`: subject is
// the patient's pseudonym or `<org>/<member>`, secret is 128 random bits in
// 26 Crockford base32 characters (groups of four). The secret seeds a
// provisional Ed25519 key, seed = SHA-256("careledger.enrol/1\n" || secret),
// which the organisation registers for the person (with register-patient,
// register-member, or an org admin's rotate-key of a member's key). The
// person's browser derives the same key and signs identity/rotate-key from it
// to a key it made itself; that rotation revokes the provisional key, so the
// code is spent, and the node never sees the secret. An unused code is
// withdrawn by revoking its key (identity/revoke-key).
import { randomBytes } from 'node:crypto';
import { sha256, signingKeyFromSeed, utf8, type SigningKey } from '../crypto/index.js';

export const ENROL_DOMAIN = 'careledger.enrol/1\n';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 26 Crockford base32 characters of 128 random bits (the first character carries 3 bits). */
export function newEnrolmentSecret(bytes: Uint8Array = randomBytes(16)): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD[Number(n & 31n)]! + out;
    n >>= 5n;
  }
  return out;
}

/** The provisional key a secret seeds. */
export function enrolmentKey(secret: string): SigningKey {
  return signingKeyFromSeed(sha256(utf8(ENROL_DOMAIN + secret)));
}

/** The code a person types: subject, colon, the secret in groups of four. */
export function enrolmentCode(subject: string, secret: string): string {
  return `${subject}:${secret.match(/.{1,4}/g)!.join('-')}`;
}
