// Type search (GET Type?params, POST Type/_search) and Patient/$everything,
// answered as searchset Bundles paged with `_count` and `_offset`.
import { searchsetBundle } from './bundle.js';
import { contextFor, type RouterEnv } from './env.js';
import { fhirResponse, type FhirHttpRequest, type FhirHttpResponse } from './http.js';
import { fail } from './outcome.js';
import { formatSearchQuery, parseEverythingOptions, parseSearchQuery, valuesOf, type QueryParams } from './params.js';
import { includedResources, resolveChainedPatient, splitResultParams, subset, type ResultParams } from './search-results.js';
import type { FhirResource } from '../types.js';
import { SUPPORTED_TYPE_SET } from './resource-types.js';

export async function searchInteraction(env: RouterEnv, type: string, req: FhirHttpRequest, viaPost: boolean): Promise<FhirHttpResponse> {
  const all = viaPost ? mergeParams(req.query, formBody(req.body)) : req.query;
  const { filter, result: params } = splitResultParams(type, all);
  let nothing = false;
  if (params.chainedIdentifier !== undefined) {
    const patient = await resolveChainedPatient(env, params.chainedIdentifier);
    if (patient === undefined) nothing = true;
    else filter['patient'] = [...valuesOf(filter, 'patient'), `Patient/${patient}`];
  }
  const { query, empty } = parseSearchQuery(type, filter, { strict: env.prefer.strict });
  if (params.summaryCount) query.count = 0;
  const result = empty || nothing ? { resources: [], total: 0 } : await env.repo.search(contextFor(env, 'search'), query);
  const extra = formatResultParams(type, params);
  const page = { url: `${env.base}/${type}`, params: [...formatSearchQuery(query), ...extra], count: query.count, offset: query.offset, total: result.total };
  const included = params.summaryCount ? [] : await includedResources(env, result.resources, params);
  const shape = (r: FhirResource): FhirResource => (params.elements === undefined ? r : subset(r, params.elements));
  const bundle = searchsetBundle(env.base, result.resources.map(shape), page);
  if (params.summaryCount) delete bundle['entry'];
  else for (const r of included) (bundle['entry'] as unknown[]).push({ fullUrl: `${env.base}/${r.resourceType}/${r.id ?? ''}`, resource: shape(r), search: { mode: 'include' } });
  if (params.totalNone) delete bundle['total'];
  return fhirResponse(200, bundle);
}

function formatResultParams(type: string, p: ResultParams): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const i of p.include) out.push(['_include', [type, i.param, i.target].filter((x) => x !== undefined).join(':')]);
  for (const r of p.revinclude) out.push(['_revinclude', `${r.type}:${r.param}`]);
  if (p.elements !== undefined) out.push(['_elements', p.elements.join(',')]);
  if (p.totalNone) out.push(['_total', 'none']);
  return out;
}

export async function everythingInteraction(env: RouterEnv, patientId: string, req: FhirHttpRequest): Promise<FhirHttpResponse> {
  const options = parseEverythingOptions(req.query, { strict: env.prefer.strict, knownTypes: SUPPORTED_TYPE_SET });
  const result = await env.repo.everything(contextFor(env, 'everything'), patientId, options);
  const params: Array<[string, string]> = [];
  if (options.start !== undefined) params.push(['start', options.start]);
  if (options.end !== undefined) params.push(['end', options.end]);
  if (options.since !== undefined) params.push(['_since', options.since]);
  if (options.types !== undefined) params.push(['_type', options.types.join(',')]);
  const page = { url: `${env.base}/Patient/${patientId}/$everything`, params, count: options.count, offset: options.offset, total: result.total };
  return fhirResponse(200, searchsetBundle(env.base, result.resources, page));
}

/** A POST _search body: form fields already parsed into an object (or nothing). */
function formBody(body: unknown): QueryParams {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body === 'string') {
    const out: QueryParams = {};
    for (const [k, v] of new URLSearchParams(body)) appendParam(out, k, v);
    return out;
  }
  if (typeof body !== 'object' || Array.isArray(body)) fail('MALFORMED', '_search expects form parameters');
  const out: QueryParams = {};
  for (const [k, v] of Object.entries(body)) {
    const values = Array.isArray(v) ? v : [v];
    for (const value of values) {
      if (typeof value !== 'string') fail('MALFORMED', '_search form values must be strings');
      appendParam(out, k, value);
    }
  }
  return out;
}

function mergeParams(a: QueryParams, b: QueryParams): QueryParams {
  const out: QueryParams = {};
  for (const src of [a, b]) {
    for (const [k, v] of Object.entries(src)) for (const value of Array.isArray(v) ? v : [v]) appendParam(out, k, value);
  }
  return out;
}

function appendParam(out: QueryParams, k: string, v: string): void {
  const prev = out[k];
  out[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
}
