// Search parameters (search.html) to and from SearchQuery / EverythingOptions.
// Comma lists inside one occurrence are ORed; repeated occurrences are ANDed:
// dates and ids intersect, repeated token or reference parameters are refused.
import { formatDateRanges, intersectRanges, parseDateValue, periodOf, iso } from './dates.js';
import { fail } from './outcome.js';
import type { DateRange, EverythingOptions, SearchQuery, SortKey, TokenParam } from '../types.js';
import { MAX_PREFIX, normalizeString, REFERENCE_PARAMS, STRING_PARAMS, TOKEN_PARAMS } from '../search-values.js';

export type QueryParams = Record<string, string | string[]>;

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;
export const SEARCH_PARAMS = [
  '_id', '_lastUpdated', 'patient', 'subject', 'code', 'date', 'identifier', '_count', '_offset',
  'category', 'status', 'clinical-status', 'gender', 'encounter', 'name', 'family', 'given', 'birthdate', '_sort',
] as const;
/** `_sort` keys: the clinical date (birthdate for Patient) and _lastUpdated. */
const SORT_KEYS: Readonly<Record<string, SortKey>> = { date: 'date', birthdate: 'date', _lastUpdated: '_lastUpdated' };
/** Result-format parameters that never change the result set. */
const ALWAYS_IGNORED = new Set(['_format', '_pretty']);
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;

export interface ParseOptions {
  /** `Prefer: handling=strict`: unknown parameters are an error. */
  strict: boolean;
}

/** All values of `name`, one per occurrence. */
export function valuesOf(query: QueryParams, name: string): string[] {
  const v = query[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Whether `id` is a valid FHIR logical id. */
export function isFhirId(id: string): boolean {
  return ID_RE.test(id);
}

/**
 * Parse a search. `empty` is true when the parameters provably match nothing
 * (disjoint repeated `_id`/date values), so the caller can skip the repository.
 */
export function parseSearchQuery(resourceType: string, query: QueryParams, options: ParseOptions): { query: SearchQuery; empty: boolean } {
  rejectUnknown(query, SEARCH_PARAMS, options);
  const out: SearchQuery = { resourceType, count: parseCount(query), offset: parseOffset(query) };
  let empty = false;

  const idLists = valuesOf(query, '_id').map((v) => splitList(v).map((id) => checkId(id, '_id')));
  if (idLists.length > 0) {
    const ids = idLists.reduce((acc, list) => acc.filter((id) => list.includes(id)));
    out.ids = [...new Set(ids)];
    if (out.ids.length === 0) empty = true;
  }
  // A Patient's date is its birthDate (birthdate); other types have no birthdate.
  const dateParam = resourceType === 'Patient' ? 'birthdate' : 'date';
  for (const name of ['date', 'birthdate']) {
    if (name !== dateParam && valuesOf(query, name).length > 0) fail('MALFORMED', `${resourceType} has no search parameter ${name}`, { issueCode: 'not-supported' });
  }
  for (const [name, key] of [['_lastUpdated', 'lastUpdated'], [dateParam, 'date']] as const) {
    const occurrences = valuesOf(query, name);
    if (occurrences.length === 0) continue;
    const ranges = parseDateOccurrences(occurrences, name);
    if (ranges === undefined) empty = true;
    else out[key] = ranges;
  }
  const patients = [...valuesOf(query, 'patient').map((v) => parsePatientRef(v, 'patient')), ...valuesOf(query, 'subject').map((v) => parsePatientRef(v, 'subject'))];
  if (patients.length > 0) {
    if (new Set(patients).size > 1) fail('MALFORMED', 'patient and subject must name one patient', { issueCode: 'not-supported' });
    out.patient = patients[0] as string;
  }
  for (const name of ['code', 'identifier'] as const) {
    const occurrences = valuesOf(query, name);
    if (occurrences.length > 1) fail('MALFORMED', `repeating ${name} is not supported; use a comma-separated list`, { issueCode: 'not-supported' });
    if (occurrences.length === 1) out[name] = splitList(occurrences[0] as string).map((t) => parseToken(t, name));
  }
  const params = parseValueParams(query);
  if (params.length > 0) out.params = params;
  const sort = valuesOf(query, '_sort').flatMap(splitList).map((raw) => {
    const descending = raw.startsWith('-');
    const key = SORT_KEYS[descending ? raw.slice(1) : raw];
    if (key === undefined) fail('MALFORMED', `_sort supports date, birthdate and _lastUpdated, not ${raw.slice(0, 64)}`, { issueCode: 'not-supported' });
    return { key, descending };
  });
  if (sort.length > 0) out.sort = sort;
  return { query: out, empty };
}

/** category, status, clinical-status, gender, encounter, name, family, given: each occurrence an AND group. */
function parseValueParams(query: QueryParams): NonNullable<SearchQuery['params']> {
  const out: NonNullable<SearchQuery['params']> = [];
  for (const name of Object.keys(TOKEN_PARAMS)) {
    for (const occurrence of valuesOf(query, name)) out.push({ name, values: splitList(occurrence).map((t) => parseToken(t, name)) });
  }
  for (const name of Object.keys(REFERENCE_PARAMS)) {
    for (const occurrence of valuesOf(query, name)) {
      out.push({ name, values: splitList(occurrence).map((ref) => ({ code: `Encounter/${parseTypedRef(ref, 'Encounter', name)}` })) });
    }
  }
  for (const name of STRING_PARAMS) {
    for (const occurrence of valuesOf(query, name)) {
      const values = splitList(occurrence).map((v) => normalizeString(unescapeValue(v)).slice(0, MAX_PREFIX));
      if (values.some((v) => v === '')) fail('MALFORMED', `empty value for search parameter ${name}`);
      out.push({ name, values: values.map((code) => ({ code })) });
    }
  }
  return out;
}

/** `Type/<id>`, a full URL ending in it, or a bare id -> the id (MALFORMED for another type). */
function parseTypedRef(raw: string, type: string, param: string): string {
  const m = /^(?:.*\/)?([A-Za-z]+)\/([^/]+)$/.exec(raw);
  if (m && m[1] !== type) fail('MALFORMED', `${param} supports ${type} references only`, { issueCode: 'not-supported' });
  return checkId(m ? (m[2] as string) : raw, param);
}

/** The canonical parameters of a SearchQuery (used for self/next links; parses back to the same query). */
export function formatSearchQuery(q: SearchQuery): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (q.ids !== undefined) out.push(['_id', q.ids.join(',')]);
  if (q.lastUpdated !== undefined) for (const v of formatDateRanges(q.lastUpdated)) out.push(['_lastUpdated', v]);
  if (q.patient !== undefined) out.push(['patient', `Patient/${q.patient}`]);
  if (q.code !== undefined) out.push(['code', q.code.map(formatToken).join(',')]);
  if (q.identifier !== undefined) out.push(['identifier', q.identifier.map(formatToken).join(',')]);
  if (q.date !== undefined) for (const v of formatDateRanges(q.date)) out.push([q.resourceType === 'Patient' ? 'birthdate' : 'date', v]);
  for (const p of q.params ?? []) out.push([p.name, p.values.map(formatToken).join(',')]);
  if (q.sort !== undefined) out.push(['_sort', q.sort.map((k) => `${k.descending ? '-' : ''}${k.key}`).join(',')]);
  out.push(['_count', String(q.count)]);
  if (q.offset > 0) out.push(['_offset', String(q.offset)]);
  return out;
}

/** Parse `Patient/{id}/$everything` parameters. */
export function parseEverythingOptions(query: QueryParams, options: ParseOptions & { knownTypes: ReadonlySet<string> }): EverythingOptions {
  rejectUnknown(query, ['start', 'end', '_since', '_type', '_count', '_offset'], options);
  const out: EverythingOptions = { count: parseCount(query), offset: parseOffset(query) };
  const start = single(query, 'start');
  if (start !== undefined) out.start = iso(periodOrFail(start, 'start').start);
  const end = single(query, 'end');
  if (end !== undefined) out.end = iso(periodOrFail(end, 'end').end);
  const since = single(query, '_since');
  if (since !== undefined) out.since = iso(periodOrFail(since, '_since').start);
  const types = valuesOf(query, '_type').flatMap(splitList);
  if (types.length > 0) {
    for (const t of types) if (!options.knownTypes.has(t)) fail('MALFORMED', `_type names an unsupported resource type`, { issueCode: 'not-supported' });
    out.types = [...new Set(types)];
  }
  return out;
}

/** `_count`: default 20, at most 1000 (larger values are clamped). */
export function parseCount(query: QueryParams): number {
  const raw = single(query, '_count');
  if (raw === undefined) return DEFAULT_COUNT;
  if (!/^\d{1,9}$/.test(raw)) fail('MALFORMED', '_count must be a non-negative integer');
  return Math.min(Number(raw), MAX_COUNT);
}

/** `_offset`: the paging position carried by next links. */
export function parseOffset(query: QueryParams): number {
  const raw = single(query, '_offset');
  if (raw === undefined) return 0;
  if (!/^\d{1,9}$/.test(raw)) fail('MALFORMED', '_offset must be a non-negative integer');
  return Number(raw);
}

/** Token `[system|]code` with FHIR escapes (\, \| \$ \\). `|code` means "no system". */
export function parseToken(raw: string, param: string): TokenParam {
  const parts = splitUnescaped(raw, '|');
  if (parts.length === 1) {
    const code = unescapeValue(parts[0] as string);
    if (code === '') fail('MALFORMED', `empty token for search parameter ${param}`);
    return { code };
  }
  if (parts.length !== 2 || parts[1] === '') fail('MALFORMED', `invalid token for search parameter ${param}`);
  return { system: unescapeValue(parts[0] as string), code: unescapeValue(parts[1] as string) };
}

export function formatToken(t: TokenParam): string {
  return t.system === undefined ? escapeValue(t.code) : `${escapeValue(t.system)}|${escapeValue(t.code)}`;
}

/** `Patient/<id>`, a full URL ending in it, or a bare id -> the patient id. */
export function parsePatientRef(raw: string, param: string): string {
  if (raw.includes(',')) fail('MALFORMED', `${param} takes one patient`, { issueCode: 'not-supported' });
  const m = /^(?:.*\/)?([A-Za-z]+)\/([^/]+)$/.exec(raw);
  if (m && m[1] !== 'Patient') fail('MALFORMED', `${param} supports Patient references only`, { issueCode: 'not-supported' });
  return checkId(m ? (m[2] as string) : raw, param);
}

function parseDateOccurrences(occurrences: string[], param: string): DateRange[] | undefined {
  const lists = occurrences.map((o) => splitList(o).map((v) => parseDateValue(v, param)));
  if (lists.length === 1) return lists[0];
  if (lists.some((l) => l.length > 1)) fail('MALFORMED', `repeated ${param} cannot combine with comma lists`, { issueCode: 'not-supported' });
  let acc: DateRange | undefined = {};
  for (const l of lists) acc = acc === undefined ? undefined : intersectRanges(acc, l[0] as DateRange);
  return acc === undefined ? undefined : [acc];
}

function rejectUnknown(query: QueryParams, known: readonly string[], options: ParseOptions): void {
  if (!options.strict) return;
  for (const name of Object.keys(query)) {
    if (!known.includes(name) && !ALWAYS_IGNORED.has(name)) {
      fail('MALFORMED', `unknown or unsupported search parameter: ${name.slice(0, 64)}`, { issueCode: 'not-supported' });
    }
  }
}

function single(query: QueryParams, name: string): string | undefined {
  const v = valuesOf(query, name);
  if (v.length > 1) fail('MALFORMED', `${name} may appear once`);
  return v[0];
}

function periodOrFail(value: string, param: string): { start: number; end: number } {
  return periodOf(value) ?? fail('MALFORMED', `invalid date for ${param}`);
}

function checkId(id: string, param: string): string {
  if (!isFhirId(id)) fail('MALFORMED', `invalid id in search parameter ${param}`);
  return id;
}

function splitList(value: string): string[] {
  return splitUnescaped(value, ',');
}

/** Split on `sep` where it is not escaped with a backslash (escapes are kept). */
function splitUnescaped(value: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && i + 1 < value.length) {
      cur += c + (value[i + 1] as string);
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unescapeValue(value: string): string {
  return value.replace(/\\([\\,|$])/g, '$1');
}

function escapeValue(value: string): string {
  return value.replace(/[\\,|$]/g, (c) => `\\${c}`);
}
