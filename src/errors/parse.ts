// Input checked at the edge: one way to turn a zod failure into MALFORMED (or
// another code from the catalogue), naming where the first bad value is.
import type { z } from 'zod';
import type { ResultCode } from './codes.js';
import { CareLedgerError } from './error.js';

/** The path of a zod issue as a dotted field name (`entry.3.resource`), '' at the root. */
export function issuePath(error: z.ZodError): string {
  return error.issues[0]?.path.map(String).join('.') ?? '';
}

/** The first issue as `where: message at path`, for error messages. */
export function issueText(error: z.ZodError, where: string): string {
  const issue = error.issues[0];
  const at = issuePath(error);
  return `${where}: ${issue?.message ?? 'invalid'}${at === '' ? '' : ` at ${at}`}`;
}

/**
 * Parses `value` with `schema` or throws a CareLedgerError (MALFORMED unless
 * `code` says otherwise) whose field is the first bad path under `where`.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string, code: ResultCode = 'MALFORMED'): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const at = issuePath(r.error);
  throw new CareLedgerError(code, issueText(r.error, where), { field: at === '' ? where : at });
}
