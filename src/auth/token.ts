// The SMART Backend Services token request (client_credentials grant with a
// private_key_jwt client assertion), HTTP-free: form parameters in, a token
// response out, OAuthError otherwise. Cheap request checks come first, then
// client authentication (which spends the jti), then the scope grant.
import { memberCeiling } from './ceilings.js';
import { JWT_BEARER_ASSERTION_TYPE, verifyClientAssertion } from './client-assertion.js';
import type { AuthDeps } from './deps.js';
import { OAuthError, invalidClient } from './errors.js';
import { issueAccessToken, type TokenResponse } from './access-token.js';
import { intersectScopes, parseScopes } from './scopes.js';
import type { SmartScope } from '../fhir/types.js';

/** Form parameters of a token request, each present at most once (RFC 6749 section 3.2). */
export type TokenForm = Readonly<Record<string, string | undefined>>;

/** Parses a requested scope string; invalid_scope when missing, empty or malformed. */
export function requestedScopes(scope: string | undefined): SmartScope[] {
  let scopes: SmartScope[] = [];
  try {
    scopes = parseScopes(scope ?? '');
  } catch (e) {
    throw new OAuthError('invalid_scope', 'malformed scope', { field: 'scope', cause: e });
  }
  if (scopes.length === 0) throw new OAuthError('invalid_scope', 'scope is required', { field: 'scope' });
  return scopes;
}

/**
 * POST /auth/token, grant_type=client_credentials (SMART Backend Services):
 * authenticates the client's assertion and grants the intersection of the
 * requested scopes with what the member's roles allow (user/ and system/).
 * Errors: unsupported_grant_type, invalid_request (missing parameter),
 * invalid_client (any assertion or key failure), invalid_scope.
 */
export async function requestClientCredentialsToken(form: TokenForm, deps: AuthDeps): Promise<TokenResponse> {
  const grantType = form['grant_type'];
  if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required', { field: 'grant_type' });
  if (grantType !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'only client_credentials is supported');
  const assertionType = form['client_assertion_type'];
  const assertion = form['client_assertion'];
  if (assertionType === undefined || assertion === undefined) {
    throw new OAuthError('invalid_request', 'client_assertion_type and client_assertion are required', { field: 'client_assertion' });
  }
  if (assertionType !== JWT_BEARER_ASSERTION_TYPE) throw invalidClient('unsupported client_assertion_type');
  const requested = requestedScopes(form['scope']);

  const { principal } = await verifyClientAssertion(assertion, deps, form['client_id']);
  if (principal.kind !== 'member') throw invalidClient('not a member client');
  const granted = intersectScopes(requested, memberCeiling(principal.roles));
  if (granted.length === 0) throw new OAuthError('invalid_scope', 'none of the requested scopes may be granted', { field: 'scope' });
  return issueAccessToken(principal, granted, deps);
}
