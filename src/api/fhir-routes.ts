// Thin fastify front of the FHIR R4 API at /fhir/R4. The bearer token is
// checked in an onRequest hook, before the body is read: an anonymous upload
// is answered 401 without reading it (and the connection closed). Bodies are
// limited (bodyLimit, default FHIR_BODY_LIMIT: 413 OperationOutcome), must be
// UTF-8 JSON no deeper than MAX_JSON_DEPTH without lone surrogates; the
// purpose of use and break-glass headers are read, and a plain request goes
// to the HTTP-free router. CapabilityStatement (GET metadata) is public.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Actor, FhirRepository, PurposeOfUse } from '../fhir/types.js';
import {
  checkJsonDepth,
  checkWellFormedStrings,
  decodeUtf8Body,
  handleFhirRequest,
  outcomeFromError,
  operationOutcome,
  parseBreakGlassReason,
  FHIR_JSON,
} from '../fhir/router/index.js';
import { PURPOSES_OF_USE } from '../contracts/consent/index.js';
import { isCareLedgerError, RESULT_CODES, type ResultCode } from '../errors/index.js';
import { causeOf } from './errors.js';

export const FHIR_BASE_PATH = '/fhir/R4';
/** Default largest FHIR request body, in bytes (4 MiB); `careledger start --fhir-body-limit` changes it. */
export const FHIR_BODY_LIMIT = 4 * 1024 * 1024;
/** The purposes of use a request may name: the consent contract's list. */
const PURPOSES: readonly PurposeOfUse[] = PURPOSES_OF_USE;
const JSON_TYPES = ['application/fhir+json', 'application/json+fhir', 'application/json'];

export interface FhirRoutesDeps {
  repository: FhirRepository;
  authenticate: (authorization: string | undefined) => Promise<Actor>;
  /** Public base URL of this node, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  /** Largest accepted request body in bytes (413 beyond it); default FHIR_BODY_LIMIT. */
  bodyLimit?: number;
}

function outcomeReply(reply: FastifyReply, code: ResultCode, text: string, extra: Record<string, string> = {}) {
  return reply
    .code(RESULT_CODES[code].http)
    .headers({ 'content-type': FHIR_JSON, ...extra })
    .send(operationOutcome(code, text));
}

/** The path after the FHIR base ('' for the base itself). */
function fhirPathOf(request: FastifyRequest): string {
  return (request.params as { '*'?: string } | undefined)?.['*'] ?? '';
}

/** Whether the client announced a body (which we may then leave unread). */
function announcesBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Only GET/HEAD of the CapabilityStatement is public. */
function isPublic(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && fhirPathOf(request) === 'metadata';
}

export function registerFhirRoutes(app: FastifyInstance, deps: FhirRoutesDeps): void {
  const bodyLimit = deps.bodyLimit ?? FHIR_BODY_LIMIT;
  const actors = new WeakMap<FastifyRequest, Actor>();

  void app.register(async (fhir) => {
    const json = fhir.getDefaultJsonParser('error', 'error');
    if (fhir.hasContentTypeParser('application/json')) fhir.removeContentTypeParser('application/json');
    fhir.addContentTypeParser(JSON_TYPES, { parseAs: 'buffer' }, (request, body, done) => {
      let text: string;
      try {
        text = decodeUtf8Body(body as Buffer);
        checkJsonDepth(text);
      } catch (e) {
        done(e as Error, undefined);
        return;
      }
      void json(request, text, (error, value) => {
        if (error !== null) return done(error, undefined);
        try {
          checkWellFormedStrings(value);
        } catch (e) {
          return done(e as Error, undefined);
        }
        done(null, value);
      });
    });
    fhir.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    // Anything else reaches the router, which answers 415 for a write.
    fhir.addContentTypeParser('*', { parseAs: 'buffer' }, (_r, _body, done) => done(null, undefined));
    fhir.setErrorHandler((error, _request, reply) => {
      if (isCareLedgerError(error)) {
        const { status, outcome } = outcomeFromError(error);
        return reply.code(status).headers({ 'content-type': FHIR_JSON }).send(outcome);
      }
      const { statusCode: status = 500, code } = error as FastifyError;
      if (status === 413 || code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return outcomeReply(reply, 'TOO_LARGE', `request body larger than ${bodyLimit} bytes`);
      }
      if (status >= 400 && status < 500) return outcomeReply(reply, 'MALFORMED', 'request body is not valid JSON');
      reply.log.error({ err: { type: (error as Error).name }, cause: causeOf(error) }, 'internal error');
      return outcomeReply(reply, 'INTERNAL', 'internal error');
    });

    // Authenticate before the body is read (onRequest runs before parsing).
    fhir.addHook('onRequest', async (request, reply) => {
      if (isPublic(request)) return;
      try {
        actors.set(request, await deps.authenticate(request.headers.authorization));
      } catch (e) {
        if (!isCareLedgerError(e)) throw e;
        // Leave an announced body unread and close: nobody buffers or drains it.
        if (announcesBody(request)) reply.header('connection', 'close');
        return outcomeReply(reply, e.code, e.message, e.code === 'UNAUTHENTICATED' ? { 'www-authenticate': 'Bearer' } : {});
      }
    });

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const path = fhirPathOf(request);
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]),
      );
      const purposeHeader = headers['x-purpose-of-use'] ?? 'TREAT';
      if (!PURPOSES.includes(purposeHeader as PurposeOfUse)) {
        return outcomeReply(reply, 'MALFORMED', `X-Purpose-Of-Use must be one of ${PURPOSES.join(', ')}`);
      }
      const reason = parseBreakGlassReason(headers['x-break-glass-reason']);
      const ctx = {
        // metadata needs no actor; the router never consults it there.
        actor: actors.get(request) ?? ({ kind: 'patient', pseudonym: '', keyId: '', scopes: [] } as Actor),
        purpose: purposeHeader as PurposeOfUse,
        requestId: randomUUID(),
        ...(reason === undefined ? {} : { breakGlassReason: reason }),
      };
      const res = await handleFhirRequest(
        { method: request.method, path, query: request.query as Record<string, string | string[]>, headers, body: request.body },
        deps.repository,
        ctx,
        { baseUrl: deps.baseUrl + FHIR_BASE_PATH, tokenUrl: deps.baseUrl + '/auth/token' },
      );
      reply.code(res.status).headers(res.headers);
      return res.body === undefined ? reply.send() : reply.send(res.body);
    };
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'] as const;
    fhir.route({ method: [...methods], url: FHIR_BASE_PATH, handler, bodyLimit });
    fhir.route({ method: [...methods], url: `${FHIR_BASE_PATH}/*`, handler, bodyLimit });
  });
}
