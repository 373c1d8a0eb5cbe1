// OAuth 2.0 token endpoint errors (RFC 6749 section 5.2) on top of the one
// CareLedger error base: `oauthError` is the wire value, `code` the catalogue
// code (its HTTP status is what the route sends). Messages name the failed
// check for logs and tests; the route sends only the error value.
import { CareLedgerError, type ResultCode } from '../errors/index.js';

export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'invalid_scope' | 'unsupported_grant_type';

const CATALOGUE: Record<OAuthErrorCode, ResultCode> = {
  invalid_request: 'MALFORMED', // 400
  invalid_client: 'UNAUTHENTICATED', // 401
  invalid_grant: 'MALFORMED', // 400
  invalid_scope: 'MALFORMED', // 400
  unsupported_grant_type: 'MALFORMED', // 400
};

export class OAuthError extends CareLedgerError {
  readonly oauthError: OAuthErrorCode;

  constructor(oauthError: OAuthErrorCode, description: string, options: { field?: string; cause?: unknown } = {}) {
    super(CATALOGUE[oauthError], description, options);
    this.name = 'OAuthError';
    this.oauthError = oauthError;
  }
}

export function isOAuthError(e: unknown): e is OAuthError {
  return e instanceof OAuthError;
}

/** The failure every client-authentication check ends in: one answer, whatever the reason. */
export function invalidClient(reason: string, cause?: unknown): OAuthError {
  return new OAuthError('invalid_client', reason, cause === undefined ? {} : { cause });
}
