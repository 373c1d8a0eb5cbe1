// What the node logs about HTTP requests: one line per response with the
// method, the route pattern ('/fhir/R4/Patient/:id', never the URL: paths
// carry pseudonyms and resource ids, queries carry names, identifiers and
// sometimes an access_token), the status and the time. The pino serializers
// make any other request, response or error object in a log line just as
// bare (no URL, headers, message or stack).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SUPPORTED_RESOURCE_TYPES } from '../fhir/router/index.js';

const FHIR_WILDCARD = '/fhir/R4/*';
const FHIR_TYPES: ReadonlySet<string> = new Set(SUPPORTED_RESOURCE_TYPES);
/** Path segments of the FHIR API that are vocabulary, never data. */
const FHIR_KEYWORDS: ReadonlySet<string> = new Set(['metadata', '_history', '_search']);
const OPERATION = /^\$[a-z][a-z-]{0,40}$/i;

function isVocabulary(segment: string): boolean {
  return FHIR_TYPES.has(segment) || FHIR_KEYWORDS.has(segment) || OPERATION.test(segment);
}

/**
 * The pattern of a FHIR path after the base: resource types, '_history',
 * '_search', 'metadata' and '$operations' stay; every other segment becomes
 * a placeholder (':type', ':id', ':vid', ':segment').
 */
export function fhirPathPattern(path: string): string {
  if (path === '') return '';
  const placeholders = [':type', ':id', ':segment', ':vid'];
  return path
    .split('/')
    .map((segment, i) => (isVocabulary(segment) ? segment : (placeholders[i] ?? ':segment')))
    .join('/');
}

/** The route a request matched, as a pattern ('(no route)' when none did). */
export function routePatternOf(request: FastifyRequest): string {
  const url = (request.routeOptions as { url?: string } | undefined)?.url;
  if (url === undefined) return '(no route)';
  if (url !== FHIR_WILDCARD) return url;
  const rest = (request.params as { '*'?: string } | undefined)?.['*'] ?? '';
  return `/fhir/R4/${fhirPathPattern(rest)}`;
}

/** pino serializers that never carry a URL, a header, a query or an error message. */
export const LOG_SERIALIZERS = {
  req: (request: FastifyRequest) => ({ method: request.method, route: routePatternOf(request) }),
  res: (reply: { statusCode?: number }) => ({ status: reply.statusCode }),
  err: (error: { name?: string; code?: string }) => ({ type: error?.name, ...(typeof error?.code === 'string' ? { code: error.code } : {}) }),
};

/** The one log line of a response: { method, route, status, ms } at info level. */
export function logResponse(request: FastifyRequest, reply: FastifyReply): void {
  request.log.info(
    { method: request.method, route: routePatternOf(request), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
    'request',
  );
}

/** Logs every response (logResponse) once it has been sent. */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => logResponse(request, reply));
}
