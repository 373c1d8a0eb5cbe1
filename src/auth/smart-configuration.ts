// The SMART configuration document (smart-app-launch v2 "Conformance",
// /.well-known/smart-configuration) for Backend Services with asymmetric
// client authentication and v2 scopes.
import { SCOPES_SUPPORTED } from './ceilings.js';
import { issuerOf, tokenUrlOf, type AuthDeps } from './deps.js';

export interface SmartConfiguration {
  issuer: string;
  token_endpoint: string;
  capabilities: string[];
  token_endpoint_auth_methods_supported: string[];
  token_endpoint_auth_signing_alg_values_supported: string[];
  grant_types_supported: string[];
  scopes_supported: string[];
}

/** Signing algorithms accepted in client assertions: EdDSA for ledger keys, ES384/RS384 for JWKS clients. */
export const ASSERTION_ALGORITHMS: readonly string[] = ['EdDSA', 'ES384', 'RS384'];

export function smartConfiguration(deps: AuthDeps): SmartConfiguration {
  return {
    issuer: issuerOf(deps),
    token_endpoint: tokenUrlOf(deps),
    capabilities: ['client-confidential-asymmetric', 'permission-v2'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    grant_types_supported: ['client_credentials'],
    scopes_supported: [...SCOPES_SUPPORTED],
  };
}
