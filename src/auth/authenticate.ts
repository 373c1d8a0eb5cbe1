// Bearer-token authentication for the FHIR and patient front doors: verifies
// an access token (node key, issuer, audience, expiry) and then re-reads the
// principal from committed state, so a revoked key, a deactivated member, a
// removed org, an unregistered client or an ended delegation stops working at
// once rather than when the token expires. The token's scopes are intersected
// again with what the principal may have now (roles may have changed).
import type { Actor } from '../fhir/types.js';
import { CareLedgerError } from '../errors/index.js';
import { verifyAccessToken, type CareLedgerClaim, type VerifiedAccessToken } from './access-token.js';
import { delegateCeiling, memberCeiling, patientCeiling } from './ceilings.js';
import { nowOf, type AuthDeps } from './deps.js';
import { clientPrincipal, memberKeyPrincipal, patientPrincipal, type Principal } from './principal.js';
import { intersectScopes } from './scopes.js';

const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;
const MAX_HEADER_CHARS = 8192;

function unauthenticated(message: string, cause?: unknown): CareLedgerError {
  return new CareLedgerError('UNAUTHENTICATED', message, cause === undefined ? {} : { cause });
}

/** The principal the claim names, as it stands in state now; undefined if it no longer may act. */
function currentPrincipal(claim: CareLedgerClaim, deps: AuthDeps): Principal | undefined {
  switch (claim.actor) {
    case 'member': {
      let p: Principal | undefined;
      if (claim.via === 'ledger-key') p = memberKeyPrincipal(deps.state, claim.keyId);
      else {
        const client = deps.store.getClient(claim.keyId);
        p = client === undefined ? undefined : clientPrincipal(deps.state, client);
      }
      return p?.kind === 'member' && p.orgId === claim.orgId && p.memberId === claim.memberId && p.via === claim.via ? p : undefined;
    }
    case 'patient':
    case 'delegate': {
      const p = patientPrincipal(deps.state, claim.pseudonym, claim.keyId, new Date(nowOf(deps)).toISOString());
      if (p?.kind !== claim.actor) return undefined;
      return p.kind === 'delegate' && claim.actor === 'delegate' && p.delegateId !== claim.delegateId ? undefined : p;
    }
  }
}

function actorOf(p: Principal, token: VerifiedAccessToken): Actor {
  const ceiling = p.kind === 'member' ? memberCeiling(p.roles) : p.kind === 'delegate' ? delegateCeiling(p.powers) : patientCeiling();
  const scopes = intersectScopes(token.scopes, ceiling);
  if (scopes.length === 0) throw new CareLedgerError('FORBIDDEN', "the token's scopes are no longer allowed");
  switch (p.kind) {
    case 'member':
      return { kind: 'member', orgId: p.orgId, memberId: p.memberId, keyId: p.keyId, roles: p.roles, scopes };
    case 'patient':
      return { kind: 'patient', pseudonym: p.pseudonym, keyId: p.keyId, scopes };
    case 'delegate':
      return { kind: 'delegate', pseudonym: p.pseudonym, delegateId: p.delegateId, keyId: p.keyId, scopes };
  }
}

/**
 * The Actor behind an `Authorization: Bearer <token>` header (RFC 6750).
 * Errors: UNAUTHENTICATED (401) for a missing, malformed, forged, expired or
 * foreign token, or a credential no longer active in ledger state; FORBIDDEN
 * (403) when none of the token's scopes is still allowed to the principal.
 * For member tokens from a JWKS client, Actor.keyId is the client_id.
 */
export async function authenticate(authorization: string | undefined, deps: AuthDeps): Promise<Actor> {
  if (authorization === undefined || authorization === '') throw unauthenticated('bearer token required');
  const m = authorization.length <= MAX_HEADER_CHARS ? BEARER.exec(authorization) : null;
  if (m?.[1] === undefined) throw unauthenticated('malformed Authorization header');
  let token: VerifiedAccessToken;
  try {
    token = await verifyAccessToken(m[1], deps);
  } catch (e) {
    throw unauthenticated('invalid or expired access token', e);
  }
  const principal = currentPrincipal(token.claim, deps);
  if (principal === undefined) throw unauthenticated('credential is no longer active');
  return actorOf(principal, token);
}
