// Patient sign-in with the patient's own ledger key (challenge-response):
// POST /auth/challenge hands out a stateless single-use challenge valid for
// two minutes (a MAC'd nonce and expiry, see challenge.ts: issuing stores
// nothing); POST /auth/patient-token takes
//   { pseudonym, keyId, challenge, signature, scope? }
// where signature = Ed25519 by keyId over 'careledger.auth/1\n' +
// JCS({ aud: <token URL>, challenge, keyId, pseudonym }). The key must be an
// active key of that patient, or of an active delegate of that patient (the
// token is then a delegate's). Scopes are patient/ only. Every refusal of a
// well-formed request is invalid_grant: the answer does not say whether the
// challenge, the signature or the key failed. A challenge is spent only by a
// sign-in that succeeds, so the replay set grows only with real sign-ins.
import { z } from 'zod';
import { fromBase64Url, verifyCanonical } from '../crypto/index.js';
import { issuePath } from '../errors/index.js';
import { pseudonymSchema } from '../contracts/identity/index.js';
import { keyIdSchema } from '../contracts/governance/index.js';
import { issueAccessToken, type TokenResponse } from './access-token.js';
import { PATIENT_DEFAULT_SCOPE, delegateCeiling, patientCeiling } from './ceilings.js';
import { CHALLENGE_CHARS, issueChallenge, openChallenge, type Challenge } from './challenge.js';
import { nowOf, tokenUrlOf, type AuthDeps } from './deps.js';
import { OAuthError } from './errors.js';
import { patientPrincipal } from './principal.js';
import { intersectScopes } from './scopes.js';
import { requestedScopes } from './token.js';

export const PATIENT_AUTH_DOMAIN = 'careledger.auth/1\n';

/** What the patient signs (under PATIENT_AUTH_DOMAIN, JCS). */
export interface PatientSignIn {
  aud: string;
  challenge: string;
  keyId: string;
  pseudonym: string;
}

/** Issues a fresh challenge; stores nothing (any number may be outstanding). */
export function createChallenge(deps: AuthDeps): Challenge {
  return issueChallenge(deps, nowOf(deps));
}

const b64url = (len: number) => z.string().length(len).regex(/^[A-Za-z0-9_-]+$/);
const signInSchema = z.strictObject({
  pseudonym: pseudonymSchema,
  keyId: keyIdSchema,
  challenge: b64url(CHALLENGE_CHARS),
  signature: b64url(86),
  scope: z.string().max(4096).optional(),
});

/** The signing input fields for a sign-in (exported for clients and tests). */
export function patientSignInPayload(deps: AuthDeps, fields: Omit<PatientSignIn, 'aud'>): PatientSignIn {
  return { aud: tokenUrlOf(deps), challenge: fields.challenge, keyId: fields.keyId, pseudonym: fields.pseudonym };
}

/**
 * Exchanges a signed challenge for an access token (patient/ scopes; default
 * PATIENT_DEFAULT_SCOPE). The challenge must be authentic (its MAC),
 * unexpired and unused; it is spent when the sign-in succeeds (every check
 * up to the spend runs synchronously, so two concurrent redemptions cannot
 * both pass). Errors: invalid_request (malformed body), invalid_grant
 * (forged, tampered, expired or used challenge; bad signature; key not
 * active for that patient), invalid_scope.
 */
export async function requestPatientToken(body: unknown, deps: AuthDeps): Promise<TokenResponse> {
  const r = signInSchema.safeParse(body);
  if (!r.success) {
    const field = issuePath(r.error);
    throw new OAuthError('invalid_request', `invalid ${field || 'body'}`, { field: field || 'body' });
  }
  const { pseudonym, keyId, challenge, signature, scope } = r.data;
  const sig = fromBase64Url(signature);
  if (fromBase64Url(challenge) === undefined || sig === undefined) {
    throw new OAuthError('invalid_request', 'challenge or signature is not canonical base64url');
  }
  const requested = requestedScopes(scope ?? PATIENT_DEFAULT_SCOPE);

  const now = nowOf(deps);
  const opened = openChallenge(challenge, deps, now);
  if (opened === undefined) throw new OAuthError('invalid_grant', 'unknown, tampered or expired challenge');
  if (!verifyCanonical(keyId, PATIENT_AUTH_DOMAIN, patientSignInPayload(deps, { challenge, keyId, pseudonym }), sig)) {
    throw new OAuthError('invalid_grant', 'signature does not verify');
  }
  const principal = patientPrincipal(deps.state, pseudonym, keyId, new Date(now).toISOString());
  if (principal === undefined) throw new OAuthError('invalid_grant', 'key is not active for this patient');
  const granted = intersectScopes(requested, principal.kind === 'delegate' ? delegateCeiling(principal.powers) : patientCeiling());
  if (granted.length === 0) throw new OAuthError('invalid_scope', 'none of the requested scopes may be granted', { field: 'scope' });
  if (!deps.store.spendChallenge(opened.nonce, opened.expiresAt, now)) throw new OAuthError('invalid_grant', 'challenge already used');
  return issueAccessToken(principal, granted, deps);
}
