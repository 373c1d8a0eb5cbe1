// Search matching for MemoryFhirRepository over SearchQuery fields: patient
// compartment (subject/patient references), tokens (CodeableConcept.coding,
// identifier), clinical date and meta.lastUpdated. Lists are ORed.
import { startInstant } from './dates.js';
import type { DateRange, FhirResource, SearchQuery, TokenParam } from '../types.js';
import { searchValuesOf } from '../search-values.js';

const DATE_PATHS: ReadonlyArray<readonly string[]> = [
  ['effectiveDateTime'], ['effectivePeriod', 'start'], ['effectiveInstant'], ['onsetDateTime'], ['onsetPeriod', 'start'],
  ['authoredOn'], ['occurrenceDateTime'], ['performedDateTime'], ['performedPeriod', 'start'], ['recordedDate'],
  ['date'], ['dateTime'], ['issued'], ['period', 'start'],
];

/** The patient ids a resource belongs to (its own id for a Patient). */
export function patientsOf(resource: FhirResource): string[] {
  if (resource.resourceType === 'Patient') return resource.id === undefined ? [] : [resource.id];
  const out: string[] = [];
  for (const key of ['subject', 'patient']) {
    const ref = (resource[key] as { reference?: unknown } | undefined)?.reference;
    const m = typeof ref === 'string' ? /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref) : null;
    if (m) out.push(m[1] as string);
  }
  return out;
}

/** The clinical date of a resource as an instant (start of its period), if any. */
export function clinicalDate(resource: FhirResource): string | undefined {
  for (const path of resource.resourceType === 'Patient' ? [['birthDate']] : DATE_PATHS) {
    let v: unknown = resource;
    for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
    const instant = startInstant(v);
    if (instant !== undefined) return instant;
  }
  return undefined;
}

export function matchesQuery(resource: FhirResource, q: SearchQuery): boolean {
  if (resource.resourceType !== q.resourceType) return false;
  if (q.ids !== undefined && !q.ids.includes(resource.id ?? '')) return false;
  if (q.patient !== undefined && !patientsOf(resource).includes(q.patient)) return false;
  if (q.code !== undefined && !matchesTokens(codings(resource), q.code)) return false;
  if (q.identifier !== undefined && !matchesTokens(identifiers(resource), q.identifier)) return false;
  if (q.date !== undefined && !inAnyRange(clinicalDate(resource), q.date)) return false;
  if (q.lastUpdated !== undefined && !inAnyRange(startInstant(resource.meta?.lastUpdated), q.lastUpdated)) return false;
  if (q.params !== undefined) {
    const values = searchValuesOf(resource);
    for (const p of q.params) {
      const mine = values.filter(([param]) => param === p.name).map(([, system, code]) => ({ system, code }));
      if (!matchesTokens(mine, p.values)) return false;
    }
  }
  return true;
}

export function inAnyRange(instant: string | undefined, ranges: DateRange[]): boolean {
  if (instant === undefined) return false;
  return ranges.some((r) => (r.from === undefined || instant >= r.from) && (r.to === undefined || instant <= r.to));
}

interface Coded {
  system?: unknown;
  code?: unknown;
}

function codings(resource: FhirResource): Coded[] {
  const code = resource['code'] as { coding?: unknown } | undefined;
  return Array.isArray(code?.coding) ? (code.coding as Array<{ system?: unknown; code?: unknown }>) : [];
}

function identifiers(resource: FhirResource): Coded[] {
  const raw = resource['identifier'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return (list as Array<{ system?: unknown; value?: unknown }>).map((i) => ({ system: i.system, code: i.value }));
}

function matchesTokens(values: Coded[], tokens: TokenParam[]): boolean {
  return tokens.some((t) =>
    values.some((v) => {
      if (v.code !== t.code) return false;
      if (t.system === undefined) return true;
      if (t.system === '') return v.system === undefined;
      return v.system === t.system;
    }),
  );
}

/** `_sort` over resources (stable; undated last for the date key). */
export function sortResources(list: FhirResource[], sort: SearchQuery['sort']): FhirResource[] {
  if (sort === undefined || sort.length === 0) return list;
  const keyOf = (r: FhirResource, key: 'date' | '_lastUpdated'): string | undefined => (key === 'date' ? clinicalDate(r) : r.meta?.lastUpdated);
  return [...list].sort((a, b) => {
    for (const { key, descending } of sort) {
      const x = keyOf(a, key);
      const y = keyOf(b, key);
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return (x < y ? -1 : 1) * (descending ? -1 : 1);
    }
    return 0;
  });
}
