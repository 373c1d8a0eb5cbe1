// Thin fastify front of the FHIR R4 API at /fhir/R4: authenticates the bearer
// token, reads the purpose of use and break-glass headers, and hands a plain
// request to the HTTP-free router. CapabilityStatement (metadata) is public.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Actor, FhirRepository, PurposeOfUse } from '../fhir/types.js';
import { handleFhirRequest, operationOutcome, FHIR_JSON } from '../fhir/router/index.js';
import { isCareLedgerError, RESULT_CODES, type ResultCode } from '../ledger/index.js';

export const FHIR_BASE_PATH = '/fhir/R4';
const PURPOSES: readonly PurposeOfUse[] = ['TREAT', 'HPAYMT', 'HOPERAT', 'HRESCH', 'ETREAT', 'BTG'];
const REASON = /^\P{Cc}{1,500}$/u;

export interface FhirRoutesDeps {
  repository: FhirRepository;
  authenticate: (authorization: string | undefined) => Promise<Actor>;
  /** Public base URL of this node, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
}

function outcomeReply(reply: FastifyReply, code: ResultCode, text: string, extra: Record<string, string> = {}) {
  return reply
    .code(RESULT_CODES[code].http)
    .headers({ 'content-type': FHIR_JSON, ...extra })
    .send(operationOutcome(code, text));
}

export function registerFhirRoutes(app: FastifyInstance, deps: FhirRoutesDeps): void {
  void app.register(async (fhir) => {
    const json = fhir.getDefaultJsonParser('error', 'error');
    fhir.addContentTypeParser(['application/fhir+json', 'application/json+fhir'], { parseAs: 'string', bodyLimit: 16 * 1024 * 1024 }, json);
    fhir.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    // Anything else reaches the router, which answers 415 for a write.
    fhir.addContentTypeParser('*', { parseAs: 'string' }, (_r, _body, done) => done(null, undefined));
    fhir.setErrorHandler((error, _request, reply) => {
      const status = (error as { statusCode?: number }).statusCode ?? 500;
      if (status === 413) return outcomeReply(reply, 'TOO_LARGE', 'request body too large');
      if (status >= 400 && status < 500) return outcomeReply(reply, 'MALFORMED', 'request body is not valid JSON');
      reply.log.error({ err: { type: (error as Error).name } }, 'internal error');
      return outcomeReply(reply, 'INTERNAL', 'internal error');
    });

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const path = (request.params as { '*'?: string })['*'] ?? '';
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]),
      );
      let actor: Actor | undefined;
      if (path !== 'metadata') {
        try {
          actor = await deps.authenticate(request.headers.authorization);
        } catch (e) {
          if (!isCareLedgerError(e)) throw e;
          return outcomeReply(reply, e.code, e.message, e.code === 'UNAUTHENTICATED' ? { 'www-authenticate': 'Bearer' } : {});
        }
      }
      const purposeHeader = headers['x-purpose-of-use'] ?? 'TREAT';
      if (!PURPOSES.includes(purposeHeader as PurposeOfUse)) {
        return outcomeReply(reply, 'MALFORMED', `X-Purpose-Of-Use must be one of ${PURPOSES.join(', ')}`);
      }
      const reason = headers['x-break-glass-reason'];
      if (reason !== undefined && !REASON.test(reason)) return outcomeReply(reply, 'MALFORMED', 'X-Break-Glass-Reason must be one line of 1-500 characters');
      const ctx = {
        // metadata needs no actor; the router never consults it there.
        actor: actor ?? ({ kind: 'patient', pseudonym: '', keyId: '', scopes: [] } as Actor),
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
    fhir.route({ method: [...methods], url: FHIR_BASE_PATH, handler });
    fhir.route({ method: [...methods], url: `${FHIR_BASE_PATH}/*`, handler });
  });
}
