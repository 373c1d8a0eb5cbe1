// The one error base of CareLedger: a string-literal code from the catalogue
// (codes.ts) plus an optional field name and cause. Tests assert codes.
import type { ResultCode } from './codes.js';

export class CareLedgerError extends Error {
  readonly code: ResultCode;
  readonly field: string | undefined;

  constructor(code: ResultCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CareLedgerError';
    this.code = code;
    this.field = options.field;
  }
}

export function isCareLedgerError(e: unknown): e is CareLedgerError {
  return e instanceof CareLedgerError;
}
