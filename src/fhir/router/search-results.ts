// Result parameters of a search (search.html#include, #summary, #elements,
// #total) and chained `subject:Patient.identifier`. Included resources are
// read one by one through the repository as the caller, so an _include or
// _revinclude never adds what the caller may not read (consent, scope), and
// every one is audited like a read.
import { isCareLedgerError } from '../../errors/index.js';
import { contextFor, type RouterEnv } from './env.js';
import { fail } from './outcome.js';
import { parseToken, valuesOf, type QueryParams } from './params.js';
import { SUPPORTED_TYPE_SET } from './resource-types.js';
import type { FhirResource, SearchQuery } from '../types.js';
import { valuesAt } from '../search-values.js';

export interface ResultParams {
  include: Array<{ param: string; target: string | undefined }>;
  revinclude: Array<{ type: string; param: string }>;
  summaryCount: boolean;
  elements: string[] | undefined;
  totalNone: boolean;
  /** Chained patient identifier: resolved to `patient` before the search. */
  chainedIdentifier: string | undefined;
}

const RESULT_PARAMS = ['_include', '_revinclude', '_summary', '_elements', '_total'];
const CHAINS = ['subject:Patient.identifier', 'patient:Patient.identifier', 'subject.identifier', 'patient.identifier'];
/** Reference elements of an include parameter, when its name is not the element's. */
const INCLUDE_PATHS: Readonly<Record<string, readonly string[]>> = {
  patient: ['patient', 'subject'],
  encounter: ['encounter', 'context.encounter'],
  medication: ['medicationReference'],
  location: ['location', 'location.location'],
  participant: ['participant.individual', 'participant.member'],
  'general-practitioner': ['generalPractitioner'],
  'managing-organization': ['managingOrganization'],
  'service-provider': ['serviceProvider'],
  'part-of': ['partOf'],
  'based-on': ['basedOn'],
};
/** _revinclude parameters and the search field they become. */
const REVINCLUDE: Readonly<Record<string, 'patient' | 'encounter'>> = { patient: 'patient', subject: 'patient', encounter: 'encounter' };
const MAX_INCLUDED = 1000;
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

/** Splits the result and chain parameters off a query; what remains is the filter. */
export function splitResultParams(type: string, query: QueryParams): { filter: QueryParams; result: ResultParams } {
  const filter: QueryParams = {};
  for (const [k, v] of Object.entries(query)) if (!RESULT_PARAMS.includes(k) && !CHAINS.includes(k)) filter[k] = v;
  const include = valuesOf(query, '_include').map((v) => {
    const [source, param, target, ...rest] = v.split(':');
    if (source !== type || param === undefined || rest.length > 0 || (target !== undefined && !SUPPORTED_TYPE_SET.has(target))) {
      fail('MALFORMED', `_include takes ${type}:<parameter>[:<type>]`, { issueCode: 'not-supported', expression: '_include' });
    }
    return { param, target };
  });
  const revinclude = valuesOf(query, '_revinclude').map((v) => {
    const [source, param, ...rest] = v.split(':');
    if (source === undefined || !SUPPORTED_TYPE_SET.has(source) || param === undefined || REVINCLUDE[param] === undefined || rest.length > 0) {
      fail('MALFORMED', '_revinclude takes <Type>:patient, <Type>:subject or <Type>:encounter', { issueCode: 'not-supported', expression: '_revinclude' });
    }
    return { type: source, param };
  });
  const summary = valuesOf(query, '_summary');
  if (summary.some((s) => s !== 'count' && s !== 'false')) fail('MALFORMED', '_summary supports count and false', { issueCode: 'not-supported', expression: '_summary' });
  const total = valuesOf(query, '_total');
  if (total.some((t) => !['none', 'estimate', 'accurate'].includes(t))) fail('MALFORMED', '_total is none, estimate or accurate', { expression: '_total' });
  const elements = valuesOf(query, '_elements').flatMap((v) => v.split(',')).map((e) => e.trim()).filter((e) => e !== '');
  if (elements.some((e) => !/^[a-z][A-Za-z0-9]{0,63}$/.test(e))) fail('MALFORMED', '_elements takes top-level element names', { expression: '_elements' });
  const chains = CHAINS.flatMap((c) => valuesOf(query, c));
  if (chains.length > 1) fail('MALFORMED', 'one chained patient identifier per search', { issueCode: 'not-supported' });
  return {
    filter,
    result: {
      include, revinclude, summaryCount: summary.includes('count'), elements: elements.length > 0 ? elements : undefined,
      totalNone: total.includes('none'), chainedIdentifier: chains[0],
    },
  };
}

/**
 * The patient a chained identifier names, as the caller sees it: undefined
 * when no Patient the caller may see carries it (the search then matches
 * nothing); MALFORMED when several do.
 */
export async function resolveChainedPatient(env: RouterEnv, identifier: string): Promise<string | undefined> {
  const query: SearchQuery = { resourceType: 'Patient', identifier: [parseToken(identifier, 'identifier')], count: 2, offset: 0 };
  const found = await env.repo.search(contextFor(env, 'search'), query);
  if (found.total > 1) fail('MALFORMED', 'the chained identifier names more than one patient', { issueCode: 'not-supported' });
  return found.resources[0]?.id;
}

const camel = (param: string): string => param.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Reads one resource as the caller; undefined when it may not (or does not exist). */
async function readIfAllowed(env: RouterEnv, type: string, id: string): Promise<FhirResource | undefined> {
  try {
    return await env.repo.read(contextFor(env, 'read'), type, id);
  } catch (e) {
    if (isCareLedgerError(e) && ['NOT_FOUND', 'GONE', 'FORBIDDEN'].includes(e.code)) return undefined;
    throw e;
  }
}

/** The resources _include and _revinclude add to `matches` (none already among them), each readable by the caller. */
export async function includedResources(env: RouterEnv, matches: readonly FhirResource[], params: ResultParams): Promise<FhirResource[]> {
  const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id ?? ''}`));
  const out: FhirResource[] = [];
  const keep = (r: FhirResource | undefined): void => {
    const key = r === undefined ? '' : `${r.resourceType}/${r.id ?? ''}`;
    if (r === undefined || seen.has(key) || out.length >= MAX_INCLUDED) return;
    seen.add(key);
    out.push(r);
  };
  for (const { param, target } of params.include) {
    const refs = new Set<string>();
    for (const r of matches) {
      for (const path of INCLUDE_PATHS[param] ?? [camel(param)]) {
        for (const v of valuesAt(r, path)) {
          const ref = (v as { reference?: unknown } | null)?.reference;
          const m = typeof ref === 'string' ? /^(?:.*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9.-]{1,64})$/.exec(ref) : null;
          if (m && SUPPORTED_TYPE_SET.has(m[1] as string) && (target === undefined || m[1] === target)) refs.add(`${m[1]}/${m[2]}`);
        }
      }
    }
    for (const ref of refs) {
      if (seen.has(ref)) continue;
      const [type, id] = ref.split('/') as [string, string];
      keep(await readIfAllowed(env, type, id));
    }
  }
  for (const { type, param } of params.revinclude) {
    const field = REVINCLUDE[param];
    for (const r of matches) {
      if (r.id === undefined || (field === 'patient' && r.resourceType !== 'Patient') || (field === 'encounter' && r.resourceType !== 'Encounter')) continue;
      const query: SearchQuery = field === 'patient'
        ? { resourceType: type, patient: r.id, count: MAX_INCLUDED, offset: 0 }
        : { resourceType: type, params: [{ name: 'encounter', values: [{ code: `Encounter/${r.id}` }] }], count: MAX_INCLUDED, offset: 0 };
      const found = await env.repo.search(contextFor(env, 'search'), query).catch((e: unknown) => {
        if (isCareLedgerError(e) && e.code === 'FORBIDDEN') return { resources: [], total: 0 };
        throw e;
      });
      for (const f of found.resources) keep(f);
    }
  }
  return out;
}

/** `_elements`: the named top-level elements plus id and meta, tagged SUBSETTED. */
export function subset(resource: FhirResource, elements: readonly string[]): FhirResource {
  const out: FhirResource = { resourceType: resource.resourceType };
  if (resource.id !== undefined) out.id = resource.id;
  for (const e of elements) if (resource[e] !== undefined) out[e] = resource[e];
  out.meta = { ...resource.meta, tag: [...((resource.meta?.['tag'] as unknown[] | undefined) ?? []), SUBSETTED] };
  return out;
}
