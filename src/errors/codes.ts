// The one catalogue of result codes. An ordered transaction gets exactly one of
// these in its block; submit-time refusals and API errors use the same codes.
// Each code maps to an HTTP status (API errors) and a FHIR OperationOutcome
// issue type (FHIR errors).

export const RESULT_CODES = {
  OK: { http: 200, fhir: 'informational', text: 'committed' },
  // Refused at the edge (never ordered).
  MALFORMED: { http: 400, fhir: 'structure', text: 'input does not parse or does not match the schema' },
  TOO_LARGE: { http: 413, fhir: 'too-long', text: 'transaction exceeds the size limit' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, fhir: 'not-supported', text: 'unsupported content type' },
  NOT_ACCEPTABLE: { http: 406, fhir: 'not-supported', text: 'unsupported response format' },
  UNAUTHENTICATED: { http: 401, fhir: 'login', text: 'authentication required or failed' },
  FORBIDDEN: { http: 403, fhir: 'forbidden', text: 'not permitted' },
  NOT_FOUND: { http: 404, fhir: 'not-found', text: 'not found' },
  GONE: { http: 410, fhir: 'deleted', text: 'erased or deleted' },
  METHOD_NOT_ALLOWED: { http: 405, fhir: 'not-supported', text: 'method not allowed' },
  PRECONDITION_FAILED: { http: 412, fhir: 'conflict', text: 'precondition failed' },
  UNPROCESSABLE: { http: 422, fhir: 'processing', text: 'content fails validation' },
  RATE_LIMITED: { http: 429, fhir: 'throttled', text: 'too many requests' },
  UNAVAILABLE: { http: 503, fhir: 'transient', text: 'service unavailable' },
  INTERNAL: { http: 500, fhir: 'exception', text: 'internal error' },
  TIMEOUT: { http: 504, fhir: 'timeout', text: 'timed out waiting for commit' },
  // Faults of a dependency (docs/operations.md): retry after Retry-After; resubmitting the same envelope is safe.
  ORDERING_UNAVAILABLE: { http: 503, fhir: 'transient', text: 'the ordering service did not acknowledge in time' },
  STORAGE_UNAVAILABLE: { http: 503, fhir: 'transient', text: 'the node cannot write to its storage (full or failing)' },
  // Validation of ordered transactions (the transaction stays in its block).
  BAD_SIGNATURE: { http: 400, fhir: 'security', text: 'signature does not verify' },
  WRONG_NETWORK: { http: 400, fhir: 'invalid', text: 'transaction is for another network' },
  DUPLICATE_TX: { http: 409, fhir: 'duplicate', text: 'transaction id already ordered' },
  STALE_TIME: { http: 400, fhir: 'invalid', text: 'transaction time outside the accepted window' },
  UNKNOWN_SIGNER: { http: 403, fhir: 'security', text: 'signer key is not registered' },
  REVOKED_SIGNER: { http: 403, fhir: 'security', text: 'signer key is revoked' },
  UNKNOWN_CONTRACT: { http: 400, fhir: 'not-supported', text: 'no such contract' },
  UNKNOWN_ACTION: { http: 400, fhir: 'not-supported', text: 'no such action' },
  INVALID_ARGS: { http: 400, fhir: 'invalid', text: 'arguments do not match the action schema' },
  UNAUTHORIZED: { http: 403, fhir: 'forbidden', text: 'signer lacks the role or ownership' },
  ALREADY_EXISTS: { http: 409, fhir: 'duplicate', text: 'already exists' },
  CONFLICT: { http: 409, fhir: 'conflict', text: 'conflicts with current state' },
  RULE_VIOLATION: { http: 422, fhir: 'business-rule', text: 'contract rule violated' },
} as const satisfies Record<string, { http: number; fhir: string; text: string }>;

export type ResultCode = keyof typeof RESULT_CODES;

export function isResultCode(value: string): value is ResultCode {
  return Object.hasOwn(RESULT_CODES, value);
}

export function httpStatusOf(code: ResultCode): number {
  return RESULT_CODES[code].http;
}
