// Public face of the SMART auth layer: scopes, Backend Services tokens
// (client_credentials + private_key_jwt), patient challenge sign-in, the JWKS
// client registry and bearer-token authentication. HTTP-free; api/auth-routes
// is the thin fastify front.
export {
  SCOPE_PERMISSIONS,
  MAX_SCOPES,
  parseScope,
  parseScopes,
  formatScope,
  formatScopes,
  scopeAllows,
  requireScope,
  readableResourceTypes,
  normaliseScopes,
  intersectScopes,
} from './scopes.js';
export type { ScopeContext, ScopePermission } from './scopes.js';
export { ROLE_SCOPES, PATIENT_CEILING, PATIENT_DEFAULT_SCOPE, SCOPES_SUPPORTED, memberCeiling, patientCeiling } from './ceilings.js';
export { TOKEN_PATH, tokenUrlOf, issuerOf, audienceOf } from './deps.js';
export type { AuthDeps } from './deps.js';
export { AuthStore } from './store.js';
export type { ClientRecord } from './store.js';
export { OAuthError, isOAuthError } from './errors.js';
export type { OAuthErrorCode } from './errors.js';
export { ACCESS_TOKEN_TTL_S, ACCESS_TOKEN_TYP, issueAccessToken, verifyAccessToken } from './access-token.js';
export type { TokenResponse, CareLedgerClaim, VerifiedAccessToken } from './access-token.js';
export {
  JWT_BEARER_ASSERTION_TYPE,
  MAX_ASSERTION_LIFETIME_S,
  CLOCK_SKEW_S,
  verifyClientAssertion,
} from './client-assertion.js';
export type { AuthenticatedClient } from './client-assertion.js';
export { requestClientCredentialsToken } from './token.js';
export type { TokenForm } from './token.js';
export { AUTH_CLIENT_DOMAIN, CLIENT_ID_PATTERN, registerClient, registerSignedClient } from './clients.js';
export type { ClientInput } from './clients.js';
export { PATIENT_AUTH_DOMAIN, createChallenge, patientSignInPayload, requestPatientToken } from './patient.js';
export type { PatientSignIn } from './patient.js';
export { CHALLENGE_BYTES, CHALLENGE_CHARS, CHALLENGE_KEY_BYTES, CHALLENGE_MAC_DOMAIN, CHALLENGE_TTL_MS } from './challenge.js';
export type { Challenge } from './challenge.js';
export { authenticate } from './authenticate.js';
export { ASSERTION_ALGORITHMS, smartConfiguration } from './smart-configuration.js';
export type { SmartConfiguration } from './smart-configuration.js';
export type { Principal } from './principal.js';
