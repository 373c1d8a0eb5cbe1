// Patient sign-in with the patient's own ledger key (challenge-response):
// POST /auth/challenge hands out a random single-use 32-byte challenge valid
// for two minutes (stored by its SHA-256); POST /auth/patient-token takes
//   { pseudonym, keyId, challenge, signature, scope? }
// where signature = Ed25519 by keyId over 'careledger.auth/1\n' +
// JCS({ aud: <token URL>, challenge, keyId, pseudonym }). The key must be an
// active key of that patient, or of an active delegate of that patient (the
// token is then a delegate's). Scopes are patient/ only. Every refusal of a
// well-formed request is invalid_grant: the answer does not say whether the
// challenge, the signature or the key failed.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { fromBase64Url, sha256, toBase64Url, verifyCanonical } from '../crypto/index.js';
import { pseudonymSchema } from '../contracts/identity/index.js';
import { keyIdSchema } from '../contracts/governance/index.js';
import { CareLedgerError } from '../ledger/index.js';
import { issueAccessToken, type TokenResponse } from './access-token.js';
import { PATIENT_DEFAULT_SCOPE, delegateCeiling, patientCeiling } from './ceilings.js';
import { nowOf, tokenUrlOf, type AuthDeps } from './deps.js';
import { OAuthError } from './errors.js';
import { patientPrincipal } from './principal.js';
import { intersectScopes } from './scopes.js';
import { requestedScopes } from './token.js';

export const PATIENT_AUTH_DOMAIN = 'careledger.auth/1\n';
export const CHALLENGE_BYTES = 32;
export const CHALLENGE_TTL_MS = 2 * 60_000;

export interface Challenge {
  /** base64url of 32 random bytes. */
  challenge: string;
  /** RFC 3339 instant after which the challenge is refused. */
  expiresAt: string;
}

/** What the patient signs (under PATIENT_AUTH_DOMAIN, JCS). */
export interface PatientSignIn {
  aud: string;
  challenge: string;
  keyId: string;
  pseudonym: string;
}

/** Issues a fresh challenge. RATE_LIMITED when too many are outstanding. */
export function createChallenge(deps: AuthDeps): Challenge {
  const now = nowOf(deps);
  const bytes = new Uint8Array(randomBytes(CHALLENGE_BYTES));
  const expiresAt = now + CHALLENGE_TTL_MS;
  if (!deps.store.addChallenge(sha256(bytes), expiresAt, now)) {
    throw new CareLedgerError('RATE_LIMITED', 'too many outstanding challenges');
  }
  return { challenge: toBase64Url(bytes), expiresAt: new Date(expiresAt).toISOString() };
}

const b64url = (len: number) => z.string().length(len).regex(/^[A-Za-z0-9_-]+$/);
const signInSchema = z.strictObject({
  pseudonym: pseudonymSchema,
  keyId: keyIdSchema,
  challenge: b64url(43),
  signature: b64url(86),
  scope: z.string().max(4096).optional(),
});

/** The signing input fields for a sign-in (exported for clients and tests). */
export function patientSignInPayload(deps: AuthDeps, fields: Omit<PatientSignIn, 'aud'>): PatientSignIn {
  return { aud: tokenUrlOf(deps), challenge: fields.challenge, keyId: fields.keyId, pseudonym: fields.pseudonym };
}

/**
 * Exchanges a signed challenge for an access token (patient/ scopes; default
 * PATIENT_DEFAULT_SCOPE). The challenge is spent first, whatever follows.
 * Errors: invalid_request (malformed body), invalid_grant (unknown, expired
 * or used challenge; bad signature; key not active for that patient),
 * invalid_scope.
 */
export async function requestPatientToken(body: unknown, deps: AuthDeps): Promise<TokenResponse> {
  const r = signInSchema.safeParse(body);
  if (!r.success) {
    const field = r.error.issues[0]?.path.map(String).join('.') ?? '';
    throw new OAuthError('invalid_request', `invalid ${field || 'body'}`, { field: field || 'body' });
  }
  const { pseudonym, keyId, challenge, signature, scope } = r.data;
  const challengeBytes = fromBase64Url(challenge);
  const sig = fromBase64Url(signature);
  if (challengeBytes?.byteLength !== CHALLENGE_BYTES || sig === undefined) {
    throw new OAuthError('invalid_request', 'challenge or signature is not canonical base64url');
  }
  const requested = requestedScopes(scope ?? PATIENT_DEFAULT_SCOPE);

  const now = nowOf(deps);
  if (!deps.store.consumeChallenge(sha256(challengeBytes), now)) throw new OAuthError('invalid_grant', 'unknown, expired or used challenge');
  if (!verifyCanonical(keyId, PATIENT_AUTH_DOMAIN, patientSignInPayload(deps, { challenge, keyId, pseudonym }), sig)) {
    throw new OAuthError('invalid_grant', 'signature does not verify');
  }
  const principal = patientPrincipal(deps.state, pseudonym, keyId, new Date(now).toISOString());
  if (principal === undefined) throw new OAuthError('invalid_grant', 'key is not active for this patient');
  const granted = intersectScopes(requested, principal.kind === 'delegate' ? delegateCeiling(principal.powers) : patientCeiling());
  if (granted.length === 0) throw new OAuthError('invalid_scope', 'none of the requested scopes may be granted', { field: 'scope' });
  return issueAccessToken(principal, granted, deps);
}
