// Identifier rules of the governance contract and its deterministic ids.
// Ids derived inside a contract come from the txId only (no randomness), so
// every node derives the same id and clients can compute it in advance.
import { z } from 'zod';
import { fromBase64Url, publicKeyFromKeyId, sha256, toBase64Url, utf8 } from '../../crypto/index.js';

import { ORG_ID_PATTERN, PROPOSAL_ID_PATTERN } from './keys.js';

export { ORG_ID_PATTERN, PROPOSAL_ID_PATTERN };
export const PROPOSAL_ID_DOMAIN = 'careledger.proposal/1\n';

export const orgIdSchema = z.string().regex(ORG_ID_PATTERN);
/** A key id (ARCHITECTURE section 4) that decodes to a 32-byte Ed25519 public key. */
export const keyIdSchema = z.string().refine((s) => publicKeyFromKeyId(s) !== undefined, 'expected an ed25519 key id');
/** base64url of a 32-byte X25519 public key (the org's HPKE recipient key). */
export const hpkePublicKeySchema = z.string().refine((s) => fromBase64Url(s)?.byteLength === 32, 'expected base64url of 32 bytes');
/** One TLS pin: base64url of a SHA-256 digest (32 bytes) of a certificate's SubjectPublicKeyInfo. */
export const tlsPinSchema = z.string().refine((s) => fromBase64Url(s)?.byteLength === 32, 'expected base64url of a 32-byte SHA-256');
/** The pins of one org: at most four, none twice; [] in update-org removes them. */
export const tlsPinsSchema = z.array(tlsPinSchema).max(4).refine((p) => new Set(p).size === p.length, 'a pin is listed twice');
export const endpointSchema = z.url({ protocol: /^https?$/ }).max(2048);
export const proposalIdSchema = z.string().regex(PROPOSAL_ID_PATTERN);

/** 'prop_' + base64url(first 16 bytes of SHA-256(utf8('careledger.proposal/1\n' + txId))). */
export function proposalIdForTx(txId: string): string {
  return 'prop_' + toBase64Url(sha256(utf8(PROPOSAL_ID_DOMAIN + txId)).subarray(0, 16));
}
