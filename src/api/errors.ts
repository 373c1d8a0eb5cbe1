// One error shape for the ledger API: {"error":{"code","message","field"?}}
// with the HTTP status from the result-code catalogue. Unknown errors become
// INTERNAL without their message (it might carry data); nothing leaks a stack.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CareLedgerError, httpStatusOf, isCareLedgerError, type ResultCode } from '../errors/index.js';

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
  const e = isCareLedgerError(error) ? error : fromFastify(error as FastifyError);
  if (!e) {
    reply.log.error({ err: { type: (error as Error)?.name } }, 'internal error');
    return reply.code(500).send(errorBody('INTERNAL', 'internal error'));
  }
  return reply.code(httpStatusOf(e.code)).send(errorBody(e.code, e.message, e.field));
}

export function errorHandler(error: unknown, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, error);
}
