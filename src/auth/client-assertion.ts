// private_key_jwt client authentication (RFC 7523 section 3; SMART Backend
// Services "Authenticating to the Token Endpoint"). Two kinds of client:
// (a) a member's Ed25519 ledger key: client_id = kid = the key id, alg EdDSA,
//     the key active in committed state (kind member or org-admin);
// (b) a registered JWKS client: alg ES384 or RS384, key chosen by kid in the
//     client's registered JWK Set, its member active in state.
// Checks: iss = sub = client_id, aud = token URL, exp present and at most
// five minutes ahead, jti never seen (kept in SQLite until exp). Every
// failure is invalid_client.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { KEY_ID_PATTERN, publicKeyFromKeyId, toBase64Url } from '../crypto/index.js';
import { nowOf, tokenUrlOf, type AuthDeps } from './deps.js';
import { invalidClient } from './errors.js';
import { clientPrincipal, memberKeyPrincipal, type Principal } from './principal.js';

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Longest accepted assertion lifetime ahead of now, seconds (SMART: exp no more than 5 minutes in the future). */
export const MAX_ASSERTION_LIFETIME_S = 300;
/** Clock skew tolerated on exp/nbf/iat, seconds. */
export const CLOCK_SKEW_S = 5;
export const MAX_ASSERTION_CHARS = 16_384;
const MAX_JTI_CHARS = 256;

/** Algorithms of JWKS clients, per key type. Ledger-key clients use EdDSA. */
const JWKS_ALGORITHMS: Record<string, string> = { EC: 'ES384', RSA: 'RS384' };

export interface AuthenticatedClient {
  clientId: string;
  principal: Principal;
}

interface ResolvedKey {
  key: KeyObject | Awaited<ReturnType<typeof importJWK>>;
  principal: Principal;
}

function ed25519PublicKey(keyId: string): KeyObject | undefined {
  const raw = publicKeyFromKeyId(keyId);
  if (raw === undefined) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(raw) }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** The verification key and principal for a client, chosen by kid; throws invalid_client. */
async function resolveClientKey(clientId: string, alg: unknown, kid: unknown, deps: AuthDeps): Promise<ResolvedKey> {
  if (typeof kid !== 'string') throw invalidClient('assertion has no kid');
  if (KEY_ID_PATTERN.test(clientId)) {
    if (alg !== 'EdDSA') throw invalidClient('ledger-key clients sign with EdDSA');
    if (kid !== clientId) throw invalidClient('unknown kid');
    const key = ed25519PublicKey(clientId);
    const principal = memberKeyPrincipal(deps.state, clientId);
    if (key === undefined || principal === undefined) throw invalidClient('key is not an active member or org-admin key');
    return { key, principal };
  }
  const client = deps.store.getClient(clientId);
  if (client === undefined) throw invalidClient('unknown client');
  const jwk = client.jwks.keys.find((k) => k['kid'] === kid);
  if (jwk === undefined) throw invalidClient('unknown kid');
  const kty = jwk['kty'];
  const expected = typeof kty === 'string' ? JWKS_ALGORITHMS[kty] : undefined;
  if (expected === undefined || alg !== expected || (jwk['alg'] !== undefined && jwk['alg'] !== alg)) {
    throw invalidClient('alg does not match the registered key');
  }
  const principal = clientPrincipal(deps.state, client);
  if (principal === undefined) throw invalidClient("client's member is not active");
  try {
    return { key: await importJWK(jwk as JWK, expected), principal };
  } catch (e) {
    throw invalidClient('registered key does not import', e);
  }
}

/**
 * Authenticates a client by its signed assertion (RFC 7523 section 3) and
 * records its jti. `formClientId`, when the request carried client_id, must
 * equal iss. Throws OAuthError invalid_client on any failure.
 */
export async function verifyClientAssertion(assertion: string, deps: AuthDeps, formClientId?: string): Promise<AuthenticatedClient> {
  if (assertion.length > MAX_ASSERTION_CHARS) throw invalidClient('assertion too long');
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(assertion);
    unverified = decodeJwt(assertion);
  } catch (e) {
    throw invalidClient('assertion is not a JWT', e);
  }
  const clientId = unverified.iss;
  if (typeof clientId !== 'string' || clientId === '' || unverified.sub !== clientId) throw invalidClient('iss and sub must both be the client_id');
  if (formClientId !== undefined && formClientId !== clientId) throw invalidClient('client_id does not match iss');
  const { key, principal } = await resolveClientKey(clientId, header.alg, header.kid, deps);

  const now = nowOf(deps);
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(assertion, key, {
      algorithms: [header.alg as string],
      issuer: clientId,
      subject: clientId,
      audience: tokenUrlOf(deps),
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(now),
      clockTolerance: CLOCK_SKEW_S,
    }));
  } catch (e) {
    throw invalidClient('assertion does not verify', e);
  }
  const { exp, jti } = payload;
  if (typeof exp !== 'number' || exp > now / 1000 + MAX_ASSERTION_LIFETIME_S + CLOCK_SKEW_S) {
    throw invalidClient('exp is more than five minutes ahead');
  }
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_CHARS) throw invalidClient('jti missing or too long');
  if (!deps.store.rememberJti(clientId, jti, (exp + CLOCK_SKEW_S) * 1000, now)) throw invalidClient('jti already used');
  return { clientId, principal };
}
