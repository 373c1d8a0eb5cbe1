// OperationOutcome construction and the mapping from errors to FHIR responses.
// Every router error becomes an OperationOutcome whose issue code comes from the
// result-code catalogue (ledger/codes.ts); messages never carry stack traces or
// resource contents.
import { CareLedgerError, isCareLedgerError } from '../../errors/index.js';
import { RESULT_CODES, storageFaultCode, type ResultCode } from '../../errors/index.js';
import type { FhirResource } from '../types.js';

export interface OutcomeIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: string;
  details?: { text: string };
  expression?: string[];
  diagnostics?: string;
}

export interface OperationOutcome extends FhirResource {
  resourceType: 'OperationOutcome';
  issue: OutcomeIssue[];
}

/** A router error that carries ready-made issues (validation) and a status. */
export class FhirOutcomeError extends CareLedgerError {
  readonly issues: OutcomeIssue[];
  constructor(code: ResultCode, issues: OutcomeIssue[], message: string = RESULT_CODES[code].text) {
    super(code, message);
    this.name = 'FhirOutcomeError';
    this.issues = issues;
  }
}

export interface IssueOptions {
  /** FHIRPath expression(s) locating the problem, e.g. 'Observation.status'. */
  expression?: string | string[];
  /** Override the catalogue's issue type (e.g. 'not-supported' for an unknown type). */
  issueCode?: string;
}

/** An OperationOutcome with one error issue for `code` (issue type from RESULT_CODES). */
export function operationOutcome(code: ResultCode, text: string, options: IssueOptions = {}): OperationOutcome {
  const issue: OutcomeIssue = {
    severity: 'error',
    code: options.issueCode ?? RESULT_CODES[code].fhir,
    details: { text },
  };
  if (options.expression !== undefined) {
    issue.expression = Array.isArray(options.expression) ? options.expression : [options.expression];
  }
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

/** The informational outcome returned for `Prefer: return=OperationOutcome`. */
export function informationOutcome(text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', details: { text } }] };
}

/** Throw a typed router error; `expression` is FHIRPath when known. */
export function fail(code: ResultCode, text: string, options: IssueOptions = {}): never {
  throw new FhirOutcomeError(code, operationOutcome(code, text, options).issue, text);
}

/** Map any thrown value to a status and an OperationOutcome (500 for the unexpected). */
export function outcomeFromError(e: unknown): { status: number; outcome: OperationOutcome } {
  if (e instanceof FhirOutcomeError) {
    return { status: RESULT_CODES[e.code].http, outcome: { resourceType: 'OperationOutcome', issue: e.issues } };
  }
  if (isCareLedgerError(e)) {
    const options: IssueOptions = e.field === undefined ? {} : { expression: e.field };
    return { status: RESULT_CODES[e.code].http, outcome: operationOutcome(e.code, e.message || RESULT_CODES[e.code].text, options) };
  }
  // A full or failing disk is a fault of a dependency, not a bug: 503, never 500.
  if (storageFaultCode(e) !== undefined) {
    return { status: RESULT_CODES.STORAGE_UNAVAILABLE.http, outcome: operationOutcome('STORAGE_UNAVAILABLE', RESULT_CODES.STORAGE_UNAVAILABLE.text) };
  }
  // Unknown errors may embed anything (stack, data): say only that it failed.
  return { status: 500, outcome: operationOutcome('INTERNAL', RESULT_CODES.INTERNAL.text) };
}

/** The reason phrase FHIR bundles use in entry.response.status ("201 Created"). */
export function statusLine(status: number): string {
  return `${status} ${REASONS[status] ?? ''}`.trimEnd();
}

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 409: 'Conflict', 410: 'Gone',
  412: 'Precondition Failed', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
  429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};
