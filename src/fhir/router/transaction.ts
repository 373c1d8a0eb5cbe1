// POST [base] with a Bundle: `transaction` (atomic; urn:uuid references
// rewritten to ids the router assigns, conditional references resolved and
// patients registered by their entry before repo.transaction; every bad entry
// reported) and `batch`
// (each entry dispatched on its own; one failure does not stop the others).
import { randomUUID } from 'node:crypto';
import { writeResponse } from './bundle.js';
import { findExisting, prepareResource } from './crud.js';
import { contextFor, type RouterEnv } from './env.js';
import { fhirResponse, parseIfMatch, type FhirHttpRequest, type FhirHttpResponse } from './http.js';
import { fail, outcomeFromError, statusLine } from './outcome.js';
import { isFhirId, type QueryParams } from './params.js';
import { rejectPlaceholders, rewriteReferences } from './references.js';
import { SUPPORTED_TYPE_SET } from './resource-types.js';
import { validateFhirResource } from './validate.js';
import { isConditional, referencesIn, resolveConditional, type BundleTarget } from './conditional-references.js';
import { EntryErrors } from './entry-errors.js';
import { registrationOf } from './registration.js';
import { CareLedgerError } from '../../errors/index.js';
import type { FhirResource, PatientRegistration, WriteOp } from '../types.js';

interface BundleEntry {
  fullUrl?: string;
  resource?: unknown;
  request: { method: string; url: string; ifMatch?: string; ifNoneExist?: string; ifNoneMatch?: string; extension?: unknown };
}

type Plan =
  | { kind: 'write'; op: WriteOp; type: string; id: string; registration?: PatientRegistration }
  | { kind: 'existing'; resource: FhirResource };
type WritePlan = Extract<Plan, { kind: 'write' }>;

/** Dispatches one sub-request (the router itself; passed in to keep modules acyclic). */
export type Dispatch = (req: FhirHttpRequest) => Promise<FhirHttpResponse>;

export async function bundleInteraction(env: RouterEnv, body: unknown, dispatch: Dispatch): Promise<FhirHttpResponse> {
  if (typeof body !== 'object' || body === null || (body as FhirResource).resourceType !== 'Bundle') {
    fail('MALFORMED', 'POST to the base expects a Bundle', { expression: 'Bundle' });
  }
  const bundle = body as FhirResource;
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) fail('MALFORMED', 'Bundle.entry must be an array', { expression: 'Bundle.entry' });
  const entries = ((bundle.entry ?? []) as unknown[]).map(checkEntry);
  if (bundle.type === 'transaction') return transaction(env, entries);
  if (bundle.type === 'batch') return batch(env, entries, dispatch);
  return fail('MALFORMED', 'Bundle.type must be transaction or batch', { expression: 'Bundle.type' });
}

/**
 * Plans every entry, links references (fullUrls, registered patients,
 * conditional references) and validates every resource, reporting every bad
 * entry at once; then hands the writes to the repository in FHIR order.
 */
async function transaction(env: RouterEnv, entries: BundleEntry[]): Promise<FhirHttpResponse> {
  const errors = new EntryErrors();
  const fullUrls = new Map<string, string>();
  const plans: Array<Plan | undefined> = [];
  for (const [i, entry] of entries.entries()) {
    const plan = await planEntry(env, entry, i).catch((e: unknown) => errors.add(i, typeOfUrl(entry.request.url), e));
    plans.push(plan ?? undefined);
    if (plan === undefined || entry.fullUrl === undefined) continue;
    if (fullUrls.has(entry.fullUrl)) errors.add(i, undefined, new CareLedgerError('MALFORMED', 'duplicate fullUrl', { field: `Bundle.entry[${i}].fullUrl` }));
    const target = plan.kind === 'existing' ? `${plan.resource.resourceType}/${plan.resource.id ?? ''}` : `${plan.type}/${plan.id}`;
    fullUrls.set(entry.fullUrl, target);
  }
  errors.throwIfAny();
  const writes = plans.map((plan, i) => ({ plan, i })).filter((x): x is { plan: WritePlan; i: number } => x.plan?.kind === 'write');
  const inBundle = writes.flatMap(({ plan }) => (plan.op.op === 'delete' ? [] : [{ target: `${plan.type}/${plan.id}`, resource: plan.op.resource }]));
  // Conditional references first (each distinct one searched once), then one map for every rewrite.
  const links = new Map(fullUrls);
  for (const { plan, i } of writes) {
    if (plan.op.op === 'delete') continue;
    await resolveConditionals(env, plan.op.resource, `Bundle.entry[${i}].resource`, links, inBundle).catch((e: unknown) => errors.add(i, plan.type, e));
  }
  for (const { plan, i } of writes) {
    if (plan.op.op === 'delete') continue;
    try {
      rewriteReferences(plan.op.resource, links, `Bundle.entry[${i}].resource`);
      validateFhirResource(plan.op.resource);
    } catch (e) {
      errors.add(i, plan.type, e);
    }
  }
  errors.throwIfAny();
  const registrations = writes.flatMap(({ plan }) => (plan.registration === undefined ? [] : [plan.registration]));
  // FHIR processing order: DELETE, then POST, then PUT; responses keep entry order.
  const rank = { delete: 0, create: 1, update: 2 } as const;
  const order = writes.sort((a, b) => rank[a.plan.op.op] - rank[b.plan.op.op] || a.i - b.i);
  const results = await env.repo.transaction(contextFor(env, 'transaction'), order.map((x) => x.plan.op), registrations);
  if (results.length !== order.length) fail('INTERNAL', 'transaction result count mismatch');
  const responses: unknown[] = plans.map((plan) =>
    plan?.kind === 'existing' ? responseEntry(env, 200, plan.resource, true) : undefined);
  order.forEach(({ plan, i }, k) => {
    const result = results[k] as (typeof results)[number];
    const stub = plan.op.op === 'delete' || result.versionId === undefined
      ? undefined
      : { resourceType: plan.type, id: plan.id, meta: { versionId: result.versionId } };
    responses[i] = responseEntry(env, result.status, result.resource ?? stub, result.resource !== undefined);
  });
  return fhirResponse(200, { resourceType: 'Bundle', type: 'transaction-response', entry: responses });
}

/** Resolves the conditional references of one entry's resource into `links` (memoised per bundle). */
async function resolveConditionals(env: RouterEnv, resource: FhirResource, where: string, links: Map<string, string>, inBundle: readonly BundleTarget[]): Promise<void> {
  for (const { ref, path } of referencesIn(resource, where)) {
    if (isConditional(ref) && !links.has(ref)) links.set(ref, await resolveConditional(env, ref, path, inBundle));
  }
}

function typeOfUrl(url: string): string | undefined {
  const type = /^(?:.*\/)?([A-Z][A-Za-z]+)(?:\/[^/?]*)?(?:\?.*)?$/.exec(url)?.[1];
  return type !== undefined && SUPPORTED_TYPE_SET.has(type) ? type : undefined;
}

async function planEntry(env: RouterEnv, entry: BundleEntry, i: number): Promise<Plan> {
  const { path, query } = splitUrl(env, entry.request.url);
  const [type = '', id, ...rest] = path.split('/');
  const where = `Bundle.entry[${i}].request`;
  if (!SUPPORTED_TYPE_SET.has(type)) fail('NOT_FOUND', 'unsupported resource type in entry', { issueCode: 'not-supported', expression: `${where}.url` });
  if (rest.length > 0 || Object.keys(query).length > 0 || (id !== undefined && !isFhirId(id))) {
    fail('MALFORMED', 'transaction entries take Type or Type/id URLs', { issueCode: 'not-supported', expression: `${where}.url` });
  }
  switch (entry.request.method.toUpperCase()) {
    case 'POST': {
      if (id !== undefined) fail('MALFORMED', 'POST entries take a type URL', { expression: `${where}.url` });
      const resource = prepareResource(entry.resource, type, 'strip');
      if (entry.request.ifNoneExist !== undefined) {
        const existing = await findExisting(env, type, entry.request.ifNoneExist);
        if (existing !== undefined) return { kind: 'existing', resource: existing };
      }
      const registration = type === 'Patient' ? registrationOf(entry.request, where) : undefined;
      if (registration !== undefined) {
        resource.id = registration.pseudonym;
        return { kind: 'write', op: { op: 'update', resource }, type, id: registration.pseudonym, registration };
      }
      resource.id = randomUUID();
      return { kind: 'write', op: { op: 'create', resource }, type, id: resource.id };
    }
    case 'PUT': {
      if (id === undefined) fail('MALFORMED', 'PUT entries take Type/id', { expression: `${where}.url` });
      const resource = prepareResource(entry.resource, type, id);
      const ifMatch = parseIfMatch(entry.request.ifMatch);
      const op: WriteOp = ifMatch === undefined ? { op: 'update', resource } : { op: 'update', resource, ifMatch };
      return { kind: 'write', op, type, id };
    }
    case 'DELETE':
      if (id === undefined) fail('MALFORMED', 'DELETE entries take Type/id', { expression: `${where}.url` });
      return { kind: 'write', op: { op: 'delete', resourceType: type, id }, type, id };
    default:
      return fail('MALFORMED', 'transaction entries support POST, PUT and DELETE', { issueCode: 'not-supported', expression: `${where}.method` });
  }
}

async function batch(env: RouterEnv, entries: BundleEntry[], dispatch: Dispatch): Promise<FhirHttpResponse> {
  const responses: unknown[] = [];
  for (const [i, entry] of entries.entries()) {
    try {
      const { path, query } = splitUrl(env, entry.request.url);
      if (path === '') fail('MALFORMED', 'batch entries cannot nest bundles', { expression: `Bundle.entry[${i}].request.url` });
      if (entry.resource !== undefined) rejectPlaceholders(entry.resource, `Bundle.entry[${i}].resource`);
      const headers: Record<string, string | undefined> = { 'content-type': 'application/fhir+json', prefer: env.prefer.strict ? 'handling=strict' : undefined };
      if (entry.request.ifMatch !== undefined) headers['if-match'] = entry.request.ifMatch;
      if (entry.request.ifNoneExist !== undefined) headers['if-none-exist'] = entry.request.ifNoneExist;
      const sub: FhirHttpRequest = { method: entry.request.method.toUpperCase(), path, query, headers };
      if (entry.resource !== undefined) sub.body = entry.resource;
      const res = await dispatch(sub);
      responses.push(batchEntry(env, res));
    } catch (e) {
      const { status, outcome } = outcomeFromError(e);
      responses.push({ response: { status: statusLine(status), outcome } });
    }
  }
  return fhirResponse(200, { resourceType: 'Bundle', type: 'batch-response', entry: responses });
}

function batchEntry(env: RouterEnv, res: FhirHttpResponse): unknown {
  if (res.status >= 400) return { response: { status: statusLine(res.status), outcome: res.body } };
  const body = res.body as FhirResource | undefined;
  const isResource = body !== undefined && body.resourceType !== 'OperationOutcome' && body.resourceType !== 'Bundle';
  const response = writeResponse(res.status, env.base, isResource ? body : undefined);
  if (res.headers['location'] !== undefined) response['location'] = res.headers['location'];
  if (res.headers['etag'] !== undefined) response['etag'] = res.headers['etag'];
  const entry: Record<string, unknown> = {};
  if (body !== undefined) entry['resource'] = body;
  entry['response'] = response;
  return entry;
}

function responseEntry(env: RouterEnv, status: number, resource: FhirResource | undefined, include: boolean): unknown {
  const entry: Record<string, unknown> = {};
  if (resource?.id !== undefined) entry['fullUrl'] = `${env.base}/${resource.resourceType}/${resource.id}`;
  if (resource !== undefined && include && env.prefer.return !== 'minimal') entry['resource'] = resource;
  entry['response'] = writeResponse(status, env.base, resource);
  return entry;
}

function checkEntry(raw: unknown, i: number): BundleEntry {
  const e = raw as Partial<BundleEntry> | null;
  const req = e?.request as Partial<BundleEntry['request']> | undefined;
  if (typeof e !== 'object' || e === null || typeof req !== 'object' || req === null || typeof req.method !== 'string' || typeof req.url !== 'string') {
    fail('MALFORMED', 'each entry needs request.method and request.url', { expression: `Bundle.entry[${i}].request` });
  }
  for (const k of ['ifMatch', 'ifNoneExist', 'ifNoneMatch'] as const) {
    if (req[k] !== undefined && typeof req[k] !== 'string') fail('MALFORMED', `request.${k} must be a string`, { expression: `Bundle.entry[${i}].request.${k}` });
  }
  if (e.fullUrl !== undefined && typeof e.fullUrl !== 'string') fail('MALFORMED', 'fullUrl must be a string', { expression: `Bundle.entry[${i}].fullUrl` });
  return e as BundleEntry;
}

function splitUrl(env: RouterEnv, url: string): { path: string; query: QueryParams } {
  let rest = url.startsWith(`${env.base}/`) ? url.slice(env.base.length + 1) : url;
  rest = rest.replace(/^\/+/, '');
  const q = rest.indexOf('?');
  const path = (q < 0 ? rest : rest.slice(0, q)).replace(/\/+$/, '');
  const query: QueryParams = {};
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(rest.slice(q + 1))) {
      const prev = query[k];
      query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
  }
  return { path, query };
}
