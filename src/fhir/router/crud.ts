// Instance and type interactions: read, vread, create (with If-None-Exist),
// update (with If-Match), delete, history (http.html).
import { historyBundle } from './bundle.js';
import { contextFor, type RouterEnv } from './env.js';
import { fhirResponse, parseIfMatch, versionHeaders, type FhirHttpRequest, type FhirHttpResponse } from './http.js';
import { fail, informationOutcome } from './outcome.js';
import { parseCount, parseOffset, parseSearchQuery, type QueryParams } from './params.js';
import { validateFhirResource } from './validate.js';
import type { FhirResource } from '../types.js';

export async function readInteraction(env: RouterEnv, type: string, id: string): Promise<FhirHttpResponse> {
  const resource = await env.repo.read(contextFor(env, 'read'), type, id);
  return fhirResponse(200, resource, versionHeaders(resource));
}

export async function vreadInteraction(env: RouterEnv, type: string, id: string, vid: string): Promise<FhirHttpResponse> {
  const resource = await env.repo.vread(contextFor(env, 'vread'), type, id, vid);
  return fhirResponse(200, resource, versionHeaders(resource));
}

/**
 * Check a request body is a resource of `type` (400 otherwise) and return a copy
 * without server-managed meta. `id` handling: 'strip' for create, or the id the
 * URL names (update), which the body must repeat.
 */
export function prepareResource(body: unknown, type: string, id: 'strip' | string): FhirResource {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('MALFORMED', 'the body must be a FHIR resource');
  const resource = structuredClone(body) as FhirResource;
  if (resource.resourceType !== type) fail('MALFORMED', `resourceType must be ${type}`, { expression: 'resourceType' });
  if (id === 'strip') delete resource.id;
  else if (resource.id === undefined) fail('MALFORMED', 'the resource must carry the id named in the URL', { expression: `${type}.id` });
  else if (resource.id !== id) fail('MALFORMED', 'the id in the resource does not match the URL', { expression: `${type}.id` });
  if (resource.meta !== undefined) {
    delete resource.meta.versionId;
    delete resource.meta.lastUpdated;
    if (Object.keys(resource.meta).length === 0) delete resource.meta;
  }
  return resource;
}

/** The body for a successful write, per `Prefer: return=`. */
export function writeBody(env: RouterEnv, resource: FhirResource, text: string): unknown {
  switch (env.prefer.return) {
    case 'minimal': return undefined;
    case 'OperationOutcome': return informationOutcome(text);
    case 'representation':
    case undefined: return resource;
  }
}

/**
 * Resolve `If-None-Exist` (a search such as `identifier=sys|val`): the one
 * existing match, undefined for none, 412 for several.
 */
export async function findExisting(env: RouterEnv, type: string, criteria: string): Promise<FhirResource | undefined> {
  const query: QueryParams = {};
  for (const [k, v] of new URLSearchParams(criteria.replace(/^\?/, ''))) {
    const prev = query[k];
    query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  if (Object.keys(query).length === 0) fail('MALFORMED', 'If-None-Exist needs search criteria');
  const { query: search, empty } = parseSearchQuery(type, query, { strict: true });
  if (empty) return undefined;
  const result = await env.repo.search(contextFor(env, 'search'), { ...search, count: 2, offset: 0 });
  if (result.total > 1 || result.resources.length > 1) fail('PRECONDITION_FAILED', 'If-None-Exist criteria match more than one resource');
  return result.resources[0];
}

export async function createInteraction(env: RouterEnv, type: string, req: FhirHttpRequest): Promise<FhirHttpResponse> {
  const resource = prepareResource(req.body, type, 'strip');
  validateFhirResource(resource);
  const criteria = req.headers['if-none-exist'];
  if (criteria !== undefined && criteria.trim() !== '') {
    const existing = await findExisting(env, type, criteria);
    if (existing !== undefined) return fhirResponse(200, writeBody(env, existing, 'a matching resource exists'), versionHeaders(existing));
  }
  const created = await env.repo.create(contextFor(env, 'create'), resource);
  return fhirResponse(201, writeBody(env, created, 'created'), { ...versionHeaders(created), location: locationOf(env, created) });
}

export async function updateInteraction(env: RouterEnv, type: string, id: string, req: FhirHttpRequest): Promise<FhirHttpResponse> {
  const resource = prepareResource(req.body, type, id);
  const ifMatch = parseIfMatch(req.headers['if-match']);
  validateFhirResource(resource);
  const { resource: stored, created } = await env.repo.update(contextFor(env, 'update'), resource, ifMatch);
  const headers = versionHeaders(stored);
  if (created) headers['location'] = locationOf(env, stored);
  return fhirResponse(created ? 201 : 200, writeBody(env, stored, created ? 'created' : 'updated'), headers);
}

export async function deleteInteraction(env: RouterEnv, type: string, id: string): Promise<FhirHttpResponse> {
  await env.repo.delete(contextFor(env, 'delete'), type, id);
  return fhirResponse(204);
}

export async function historyInteraction(env: RouterEnv, type: string, id: string, query: QueryParams): Promise<FhirHttpResponse> {
  const count = parseCount(query);
  const offset = parseOffset(query);
  const entries = await env.repo.history(contextFor(env, 'history'), type, id);
  const url = `${env.base}/${type}/${id}/_history`;
  return fhirResponse(200, historyBundle(env.base, type, id, entries, { url, params: [], count, offset }));
}

export function locationOf(env: RouterEnv, resource: FhirResource): string {
  const vid = resource.meta?.versionId;
  return `${env.base}/${resource.resourceType}/${resource.id ?? ''}${vid === undefined ? '' : `/_history/${vid}`}`;
}
