// handleFhirRequest: the HTTP-free FHIR R4 REST router (after medplum's
// fhir-router). Parses the path, negotiates JSON, sets ctx.interaction per
// request and turns every failure into an OperationOutcome.
import { buildCapabilityStatement } from './capability.js';
import { deleteReasonOf } from './delete-reason.js';
import { createInteraction, deleteInteraction, historyInteraction, readInteraction, updateInteraction, vreadInteraction } from './crud.js';
import type { RouterEnv, RouterOptions } from './env.js';
import { checkAcceptable, checkContentType, fhirResponse, parsePrefer, trimBase, type FhirHttpRequest, type FhirHttpResponse } from './http.js';
import { fail, outcomeFromError } from './outcome.js';
import { isFhirId } from './params.js';
import { SUPPORTED_TYPE_SET } from './resource-types.js';
import { everythingInteraction, searchInteraction } from './search.js';
import { summaryInteraction } from './summary.js';
import { bundleInteraction } from './transaction.js';
import type { FhirRepository, RequestContext } from '../types.js';

/**
 * Handle one FHIR R4 REST request (hl7.org/fhir/R4/http.html) against `repo`.
 * Never throws: errors are OperationOutcome responses.
 */
export async function handleFhirRequest(
  req: FhirHttpRequest,
  repo: FhirRepository,
  ctx: Omit<RequestContext, 'interaction'>,
  options: RouterOptions,
): Promise<FhirHttpResponse> {
  try {
    checkAcceptable(req);
    const reason = ctx.deleteReason ?? deleteReasonOf(req);
    const withReason = reason === undefined ? ctx : { ...ctx, deleteReason: reason };
    const env: RouterEnv = { repo, ctx: withReason, base: trimBase(options.baseUrl), options, prefer: parsePrefer(req) };
    return await route(env, req);
  } catch (e) {
    const { status, outcome } = outcomeFromError(e);
    const headers: Record<string, string> = {};
    if (status === 405) headers['allow'] = allowedFor(req.path);
    return fhirResponse(status, outcome, headers);
  }
}

async function route(env: RouterEnv, req: FhirHttpRequest): Promise<FhirHttpResponse> {
  const method = req.method.toUpperCase();
  const segments = req.path.replace(/^\/+|\/+$/g, '').split('/').filter((s) => s !== '').map(decodeSegment);
  const dispatch = (sub: FhirHttpRequest): Promise<FhirHttpResponse> => handleFhirRequest(sub, env.repo, env.ctx, env.options);
  const [first, second, third, fourth, ...rest] = segments;
  if (first === undefined) {
    allow(method, ['POST']);
    checkContentType(req, false);
    return bundleInteraction(env, req.body, dispatch);
  }
  if (first === 'metadata' && segments.length === 1) {
    allow(method, ['GET']);
    return fhirResponse(200, buildCapabilityStatement(env.options));
  }
  if (!SUPPORTED_TYPE_SET.has(first)) fail('NOT_FOUND', 'unsupported resource type or path', { issueCode: 'not-supported' });
  const type = first;
  if (second === undefined) {
    allow(method, ['GET', 'POST']);
    if (method === 'GET') return searchInteraction(env, type, req, false);
    checkContentType(req, false);
    return createInteraction(env, type, req);
  }
  if (second === '_search' && third === undefined) {
    allow(method, ['GET', 'POST']);
    if (method === 'POST') checkContentType(req, true);
    return searchInteraction(env, type, req, method === 'POST');
  }
  if (second.startsWith('_') || second.startsWith('$')) fail('NOT_FOUND', 'unsupported operation', { issueCode: 'not-supported' });
  const id = checkId(second);
  if (third === undefined) {
    allow(method, ['GET', 'PUT', 'DELETE']);
    if (method === 'GET') return readInteraction(env, type, id);
    if (method === 'DELETE') return deleteInteraction(env, type, id);
    checkContentType(req, false);
    return updateInteraction(env, type, id, req);
  }
  if (third === '$everything' && type === 'Patient' && fourth === undefined) {
    allow(method, ['GET']);
    return everythingInteraction(env, id, req);
  }
  if (third === '$summary' && type === 'Patient' && fourth === undefined) {
    allow(method, ['GET']);
    return summaryInteraction(env, id);
  }
  if (third === '_history' && rest.length === 0) {
    allow(method, ['GET']);
    if (fourth === undefined) return historyInteraction(env, type, id, req.query);
    return vreadInteraction(env, type, id, checkId(fourth));
  }
  return fail('NOT_FOUND', 'unsupported operation or path', { issueCode: 'not-supported' });
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) fail('METHOD_NOT_ALLOWED', `${method.slice(0, 16)} is not allowed here`);
}

/** The Allow header for a 405, from the path's shape. */
function allowedFor(path: string): string {
  const segments = path.replace(/^\/+|\/+$/g, '').split('/').filter((s) => s !== '');
  if (segments.length === 0) return 'POST';
  if (segments.length === 1) return segments[0] === 'metadata' ? 'GET' : 'GET, POST';
  if (segments.length === 2) return segments[1] === '_search' ? 'GET, POST' : 'GET, PUT, DELETE';
  return 'GET';
}

function checkId(id: string): string {
  if (!isFhirId(id)) fail('MALFORMED', 'invalid resource id in URL');
  return id;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return fail('MALFORMED', 'invalid percent-encoding in the path');
  }
}
