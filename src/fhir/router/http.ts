// The router's HTTP-free request/response shapes and the header rules of
// FHIR R4 http.html: content negotiation (JSON only), ETag/Last-Modified,
// Prefer (return=..., handling=strict), If-Match.
import { fail } from './outcome.js';
import type { QueryParams } from './params.js';
import type { FhirResource } from '../types.js';

export interface FhirHttpRequest {
  method: string;
  /** Path after the FHIR base, without leading slash: '', 'metadata', 'Observation/123/_history/2'. */
  path: string;
  query: QueryParams;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  /** Already-parsed JSON body (or the form fields of a POST _search). */
  body?: unknown;
}

export interface FhirHttpResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function fhirResponse(status: number, body?: unknown, headers: Record<string, string> = {}): FhirHttpResponse {
  const res: FhirHttpResponse = { status, headers: { 'content-type': FHIR_JSON, ...headers } };
  if (body !== undefined) res.body = body;
  return res;
}

/** ETag W/"<vid>" and Last-Modified (HTTP-date) of a stored resource. */
export function versionHeaders(resource: FhirResource): Record<string, string> {
  const out: Record<string, string> = {};
  const vid = resource.meta?.versionId;
  if (vid !== undefined) out['etag'] = `W/"${vid}"`;
  const lastUpdated = resource.meta?.lastUpdated;
  if (lastUpdated !== undefined && !Number.isNaN(Date.parse(lastUpdated))) out['last-modified'] = new Date(lastUpdated).toUTCString();
  return out;
}

const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir', 'json', 'application/*', '*/*', '*'];

/** 406 unless the client accepts JSON (Accept header or `_format`). */
export function checkAcceptable(req: FhirHttpRequest): void {
  const format = req.query['_format'];
  const formats = format === undefined ? [] : Array.isArray(format) ? format : [format];
  for (const f of formats) {
    if (!acceptsJson(f)) fail('NOT_ACCEPTABLE', 'only JSON is supported (_format)');
  }
  const accept = req.headers['accept'];
  if (formats.length === 0 && accept !== undefined && accept.trim() !== '' && !acceptsJson(accept)) {
    fail('NOT_ACCEPTABLE', 'only application/fhir+json is supported');
  }
}

function acceptsJson(header: string): boolean {
  return header.split(',').some((range) => {
    const [type = '', ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    return JSON_TYPES.includes(type) || type.endsWith('+json');
  });
}

/** 415 for non-JSON bodies on writes (form bodies only for POST _search). */
export function checkContentType(req: FhirHttpRequest, allowForm: boolean): void {
  const raw = req.headers['content-type'];
  if (raw === undefined || raw.trim() === '') return;
  const type = (raw.split(';')[0] ?? '').trim().toLowerCase();
  if (type === 'application/fhir+json' || type === 'application/json' || type === 'application/json+fhir') return;
  if (allowForm && type === 'application/x-www-form-urlencoded') return;
  fail('UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/fhir+json');
}

export interface Preferences {
  return?: 'minimal' | 'representation' | 'OperationOutcome';
  strict: boolean;
}

/** Parse the Prefer header (RFC 7240): `return=...`, `handling=strict|lenient`. */
export function parsePrefer(req: FhirHttpRequest): Preferences {
  const out: Preferences = { strict: false };
  for (const token of (req.headers['prefer'] ?? '').split(/[,;]/)) {
    const [k = '', v = ''] = token.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (k.toLowerCase() === 'return' && (v === 'minimal' || v === 'representation')) out.return = v;
    else if (k.toLowerCase() === 'return' && v.toLowerCase() === 'operationoutcome') out.return = 'OperationOutcome';
    else if (k.toLowerCase() === 'handling') out.strict = v.toLowerCase() === 'strict';
  }
  return out;
}

/** `W/"3"`, `"3"` or `3` -> '3' (400 when it is not an entity tag). */
export function parseIfMatch(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const m = /^(?:W\/)?"?([A-Za-z0-9\-.]{1,64})"?$/.exec(raw.trim());
  if (!m) fail('MALFORMED', 'If-Match must be an entity tag such as W/"1"');
  return m[1] as string;
}

/** Strip trailing slashes from a base URL. */
export function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}
