// Type search (GET Type?params, POST Type/_search) and Patient/$everything,
// answered as searchset Bundles paged with `_count` and `_offset`.
import { searchsetBundle } from './bundle.js';
import { contextFor, type RouterEnv } from './env.js';
import { fhirResponse, type FhirHttpRequest, type FhirHttpResponse } from './http.js';
import { fail } from './outcome.js';
import { formatSearchQuery, parseEverythingOptions, parseSearchQuery, type QueryParams } from './params.js';
import { SUPPORTED_TYPE_SET } from './resource-types.js';

export async function searchInteraction(env: RouterEnv, type: string, req: FhirHttpRequest, viaPost: boolean): Promise<FhirHttpResponse> {
  const params = viaPost ? mergeParams(req.query, formBody(req.body)) : req.query;
  const { query, empty } = parseSearchQuery(type, params, { strict: env.prefer.strict });
  const result = empty ? { resources: [], total: 0 } : await env.repo.search(contextFor(env, 'search'), query);
  const page = { url: `${env.base}/${type}`, params: formatSearchQuery(query), count: query.count, offset: query.offset, total: result.total };
  return fhirResponse(200, searchsetBundle(env.base, result.resources, page));
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
