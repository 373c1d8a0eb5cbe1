// One error shape for the ledger API: {"error":{"code","message","field"?}}
// with the HTTP status from the result-code catalogue. Unknown errors become
// INTERNAL without their message (it might carry data); nothing leaks a stack
// to the client. A full or failing disk is a dependency fault, not a bug:
// 503 STORAGE_UNAVAILABLE with Retry-After. Every 500 is logged with its cause:
// the error classes and codes down the cause chain and the stack frames,
// never a message (it might carry data).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CareLedgerError, httpStatusOf, isCareLedgerError, storageFaultCode, type ResultCode } from '../errors/index.js';

/** Retry-After (s) of the transient codes. */
const RETRY_AFTER: Partial<Record<ResultCode, number>> = { UNAVAILABLE: 2, ORDERING_UNAVAILABLE: 2, STORAGE_UNAVAILABLE: 5 };

/** What a log line may say about an error: class, code, and frames (file:line, function), never the message. */
export function causeOf(error: unknown): Record<string, unknown> {
  const chain: Array<{ type: string; code?: string }> = [];
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    chain.push({ type: (e as Error).name ?? typeof e, ...(typeof code === 'string' ? { code } : {}) });
  }
  const stack = typeof (error as Error)?.stack === 'string' ? (error as Error).stack! : '';
  const frames = stack.split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 12).map((l) => l.trim());
  return { chain, frames };
}

export interface ApiErrorBody {
  error: { code: ResultCode; message: string; field?: string };
}

export function errorBody(code: ResultCode, message: string, field?: string): ApiErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

function fromFastify(error: FastifyError): CareLedgerError | undefined {
  const status = error.statusCode ?? 500;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new CareLedgerError('TOO_LARGE', 'request body too large');
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new CareLedgerError('UNSUPPORTED_MEDIA_TYPE', 'unsupported content type');
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return new CareLedgerError('MALFORMED', 'body is not valid JSON');
  }
  if (status === 404) return new CareLedgerError('NOT_FOUND', 'not found');
  if (status === 405) return new CareLedgerError('METHOD_NOT_ALLOWED', 'method not allowed');
  if (status >= 400 && status < 500) return new CareLedgerError('MALFORMED', 'bad request');
  return undefined;
}

export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const storage = storageFaultCode(error);
  const e = isCareLedgerError(error)
    ? error
    : storage !== undefined
      ? new CareLedgerError('STORAGE_UNAVAILABLE', `the node cannot write to its storage (${storage}); retry later`)
      : fromFastify(error as FastifyError);
  if (!e || e.code === 'INTERNAL') {
    reply.log.error({ err: { type: (error as Error)?.name }, cause: causeOf(error) }, 'internal error');
    return reply.code(500).send(errorBody('INTERNAL', e ? e.message : 'internal error'));
  }
  const retryAfter = RETRY_AFTER[e.code];
  if (retryAfter !== undefined && !reply.hasHeader('retry-after')) void reply.header('retry-after', String(retryAfter));
  return reply.code(httpStatusOf(e.code)).send(errorBody(e.code, e.message, e.field));
}

export function errorHandler(error: unknown, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, error);
}
