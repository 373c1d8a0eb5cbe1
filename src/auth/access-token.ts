// Access tokens: JWTs (RFC 9068 profile, typ at+jwt) signed by the node key
// (EdDSA, kid = node key id), issuer = base URL, audience = FHIR base URL,
// five-minute lifetime, the granted scope, and a `careledger` claim naming the
// principal (no roles: those are read from state at every use). No refresh
// tokens: a client signs a new assertion instead.
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { z } from 'zod';
import { KEY_ID_PATTERN, toBase64Url } from '../crypto/index.js';
import type { SmartScope } from '../fhir/types.js';
import { audienceOf, issuerOf, nodePublicKey, nowOf, type AuthDeps } from './deps.js';
import type { Principal } from './principal.js';
import { formatScopes, parseScopes } from './scopes.js';

/** Lifetime of an access token in seconds (SMART: expires_in at most 300). */
export const ACCESS_TOKEN_TTL_S = 300;
/** JWT typ of access tokens (RFC 9068 section 2.1): no other node-signed JWT can pass for one. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** The token endpoint's success body (RFC 6749 section 5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

const text = z.string().min(1).max(256);
/** The principal as carried in the token (`careledger` claim). */
export const careLedgerClaimSchema = z.discriminatedUnion('actor', [
  z.strictObject({
    actor: z.literal('member'),
    orgId: text,
    memberId: text,
    keyId: text,
    via: z.enum(['ledger-key', 'jwks-client']),
  }),
  z.strictObject({ actor: z.literal('patient'), pseudonym: text, keyId: z.string().regex(KEY_ID_PATTERN) }),
  z.strictObject({ actor: z.literal('delegate'), pseudonym: text, delegateId: text, keyId: z.string().regex(KEY_ID_PATTERN) }),
]);
export type CareLedgerClaim = z.infer<typeof careLedgerClaimSchema>;

function claimOf(p: Principal): CareLedgerClaim {
  switch (p.kind) {
    case 'member':
      return { actor: 'member', orgId: p.orgId, memberId: p.memberId, keyId: p.keyId, via: p.via };
    case 'patient':
      return { actor: 'patient', pseudonym: p.pseudonym, keyId: p.keyId };
    case 'delegate':
      return { actor: 'delegate', pseudonym: p.pseudonym, delegateId: p.delegateId, keyId: p.keyId };
  }
}

/** sub of a token: the client_id for members, the pseudonym or delegate id otherwise. */
function subjectOf(p: Principal): string {
  return p.kind === 'member' ? p.keyId : p.kind === 'patient' ? p.pseudonym : p.delegateId;
}

/** Signs an access token for `principal` with the granted scopes. */
export async function issueAccessToken(principal: Principal, scopes: readonly SmartScope[], deps: AuthDeps): Promise<TokenResponse> {
  const iat = Math.floor(nowOf(deps) / 1000);
  const scope = formatScopes(scopes);
  const accessToken = await new SignJWT({ scope, client_id: principal.keyId, careledger: claimOf(principal) })
    .setProtectedHeader({ alg: 'EdDSA', kid: deps.nodeKey.keyId, typ: ACCESS_TOKEN_TYP })
    .setIssuer(issuerOf(deps))
    .setSubject(subjectOf(principal))
    .setAudience(audienceOf(deps))
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_TTL_S)
    .setJti(toBase64Url(randomBytes(16)))
    .sign(deps.nodeKey.privateKey);
  return { access_token: accessToken, token_type: 'bearer', expires_in: ACCESS_TOKEN_TTL_S, scope };
}

export interface VerifiedAccessToken {
  claim: CareLedgerClaim;
  scopes: SmartScope[];
  expiresAt: number;
}

/**
 * Verifies signature (node key, EdDSA, kid), typ, issuer, audience and expiry
 * of an access token, and parses its claims. Throws on any failure (the
 * caller turns that into UNAUTHENTICATED).
 */
export async function verifyAccessToken(token: string, deps: AuthDeps): Promise<VerifiedAccessToken> {
  const { payload, protectedHeader } = await jwtVerify(token, nodePublicKey(deps), {
    algorithms: ['EdDSA'],
    typ: ACCESS_TOKEN_TYP,
    issuer: issuerOf(deps),
    audience: audienceOf(deps),
    requiredClaims: ['exp', 'iat', 'sub', 'scope'],
    currentDate: new Date(nowOf(deps)),
  });
  if (protectedHeader.kid !== deps.nodeKey.keyId) throw new Error('token kid is not this node key');
  if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number' || payload.exp - payload.iat > ACCESS_TOKEN_TTL_S) {
    throw new Error('token lifetime exceeds the limit');
  }
  const claim = careLedgerClaimSchema.parse(payload['careledger']);
  const scope = payload['scope'];
  if (typeof scope !== 'string') throw new Error('scope claim missing');
  return { claim, scopes: parseScopes(scope), expiresAt: payload.exp * 1000 };
}
