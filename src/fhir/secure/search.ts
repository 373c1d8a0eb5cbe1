// search and Patient/$everything over metadata only: candidates come from
// fhir_resources and the blind tokens (type, owner, blind ids, lastUpdated,
// HMAC code/identifier tokens, clinical dates by UTC day), the consent
// decision runs once per patient on the sealed labels, and only the returned
// page is decrypted. `total` counts what the caller may see; decryption for
// the count is needed only for resources whose date falls on a boundary day
// of the query range (day-level bounds cannot settle them).
import { CareLedgerError } from '../../errors/index.js';
import type { DateRange, EverythingOptions, FhirResource, RequestContext, SearchQuery, SearchResult } from '../types.js';
import { clinicalRange, dateBounds, dayOf, OPEN_HI, OPEN_LO, queryTokenParts } from './compartment.js';
import { readEvents, type Hit } from './events.js';
import { readAccess } from './policy.js';
import { requireScope, scopeAllows } from '../../auth/scopes.js';
import { decryptResource, verdictFor } from './reads.js';
import type { ResourceRow } from './schema.js';
import type { Deps } from './tables.js';

interface Spec {
  types: string[] | undefined;
  owner: string | undefined;
  /** Patient and delegate actors: their compartment plus non-patient resources. */
  onlyPatient: string | undefined;
  idTokens: Buffer[] | undefined;
  lastUpdated: DateRange[];
  tokenGroups: Buffer[][];
  dates: DateRange[];
  /** $everything: undated resources pass the date filter. */
  undatedPass: boolean;
  sort?: SearchQuery['sort'];
}

/** ORDER BY of a search: `_sort` keys (undated resources last either way), then the default. */
function orderBy(sort: SearchQuery['sort']): string {
  const keys = (sort ?? []).map(({ key, descending }) =>
    key === 'date' ? `date_lo IS NULL, date_lo ${descending ? 'DESC' : 'ASC'}` : `last_updated ${descending ? 'DESC' : 'ASC'}`);
  return [...keys, 'last_updated DESC', 'record_id'].join(', ');
}

function instant(text: string | undefined, field: string): string | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new CareLedgerError('MALFORMED', `${field} is not a date`, { field });
  return new Date(ms).toISOString();
}

function msOf(text: string | undefined, open: number): number {
  if (text === undefined) return open;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new CareLedgerError('MALFORMED', 'date is not a date', { field: 'date' });
  return ms;
}

function selectRows(deps: Deps, spec: Spec): ResourceRow[] {
  const where = ['version > 0', 'deleted = 0'];
  const args: unknown[] = [];
  const inList = (n: number): string => Array(n).fill('?').join(', ');
  if (spec.types !== undefined) {
    where.push(`resource_type IN (${inList(spec.types.length)})`);
    args.push(...spec.types);
  }
  const add = (clause: string, ...values: unknown[]): void => {
    where.push(clause);
    args.push(...values);
  };
  if (spec.owner !== undefined) add('owner = ?', spec.owner);
  if (spec.onlyPatient !== undefined) add('(is_patient = 0 OR owner = ?)', spec.onlyPatient);
  if (spec.idTokens !== undefined) add(`id_token IN (${inList(spec.idTokens.length)})`, ...spec.idTokens);
  for (const r of spec.lastUpdated) {
    const from = instant(r.from, '_lastUpdated');
    const to = instant(r.to, '_lastUpdated');
    if (from !== undefined) add('last_updated >= ?', from);
    if (to !== undefined) add('last_updated <= ?', to);
  }
  for (const group of spec.tokenGroups) {
    where.push(`EXISTS (SELECT 1 FROM fhir_tokens t WHERE t.record_id = r.record_id AND t.token IN (${inList(group.length)}))`);
    args.push(...group);
  }
  for (const d of spec.dates) {
    const lo = dayOf(msOf(d.from, OPEN_LO));
    const hi = dayOf(msOf(d.to, OPEN_HI));
    const dated = 'date_lo IS NOT NULL AND date_hi >= ? AND date_lo <= ?';
    // $everything: undated resources, and the Patient (whose date is its birthDate), always pass.
    where.push(spec.undatedPass ? `(date_lo IS NULL OR resource_type = 'Patient' OR (${dated}))` : `(${dated})`);
    args.push(lo, hi);
  }
  const sql = `SELECT * FROM fhir_resources r WHERE ${where.join(' AND ')} ORDER BY ${orderBy(spec.sort)}`;
  return deps.db.prepare<unknown[], ResourceRow>(sql).all(...args);
}

/** Whether day-level bounds settle the date filter for a row; 'maybe' needs the exact dates. */
function dateClass(row: ResourceRow, dates: DateRange[]): 'yes' | 'maybe' {
  if (row.date_lo === null || row.date_hi === null) return 'yes';
  for (const d of dates) {
    const qlo = dayOf(msOf(d.from, OPEN_LO));
    const qhi = dayOf(msOf(d.to, OPEN_HI));
    if (!(row.date_lo < qhi && row.date_hi > qlo)) return 'maybe';
  }
  return 'yes';
}

function exactDateMatch(resource: FhirResource, dates: DateRange[]): boolean {
  const range = clinicalRange(resource);
  if (range === undefined) return true;
  return dates.every((d) => range[0] <= msOf(d.to, OPEN_HI) && range[1] >= msOf(d.from, OPEN_LO));
}

function run(
  ctx: RequestContext,
  deps: Deps,
  spec: Spec,
  page: { count: number; offset: number },
  interaction: 'search' | 'everything',
): SearchResult {
  const access = readAccess(ctx, deps.port, deps.consent);
  if (access.onlyPatient !== undefined) {
    if (spec.owner !== undefined && spec.owner !== access.onlyPatient) return { resources: [], total: 0 };
    spec.onlyPatient = access.onlyPatient;
  }
  const visible: Array<{ row: ResourceRow; consentIds: string[]; resource?: FhirResource }> = [];
  for (const row of selectRows(deps, spec)) {
    const v = deps.tables.version(row.record_id, row.version);
    if (v === undefined) continue;
    const verdict = verdictFor(ctx, deps, access, row, v);
    if (!verdict.permit) continue;
    const dated = spec.dates.length > 0 && !(spec.undatedPass && row.resource_type === 'Patient');
    if (dated && dateClass(row, spec.dates) === 'maybe') {
      const resource = decryptResource(deps, row.record_id, row.version);
      if (exactDateMatch(resource, spec.dates)) visible.push({ row, consentIds: verdict.consentIds, resource });
      continue;
    }
    visible.push({ row, consentIds: verdict.consentIds });
  }
  const count = Math.max(0, Math.min(page.count, 1000));
  const slice = visible.slice(page.offset, page.offset + count);
  const resources = slice.map((h) => h.resource ?? decryptResource(deps, h.row.record_id, h.row.version));
  const hits: Hit[] = slice
    .filter((h) => h.row.is_patient === 1)
    .map((h) => ({ patient: h.row.owner, recordId: h.row.record_id, version: h.row.version, resourceType: h.row.resource_type, consentIds: h.consentIds }));
  deps.outbox.enqueue(readEvents(ctx, interaction, hits, access.breakGlass, access.at));
  return { resources, total: visible.length };
}

function patientId(ref: string): string {
  const m = /(?:^|\/)([A-Za-z0-9.-]{1,64})$/.exec(ref);
  return m?.[1] ?? ref;
}

export function searchResources(ctx: RequestContext, deps: Deps, query: SearchQuery): SearchResult {
  requireScope(ctx.actor.scopes, query.resourceType, 's');
  const tokens = (param: string, list: SearchQuery['code']): Buffer[][] =>
    list === undefined || list.length === 0 ? [] : [list.map((t) => deps.keys.token('search', ...queryTokenParts(param, t)))];
  const spec: Spec = {
    types: [query.resourceType],
    owner: query.patient === undefined ? undefined : patientId(query.patient),
    onlyPatient: undefined,
    idTokens: query.ids === undefined ? undefined : query.ids.map((id) => deps.keys.idToken(query.resourceType, id)),
    lastUpdated: query.lastUpdated ?? [],
    tokenGroups: [...tokens('code', query.code), ...tokens('identifier', query.identifier), ...(query.params ?? []).flatMap((p) => tokens(p.name, p.values))],
    dates: query.date ?? [],
    undatedPass: false,
    sort: query.sort,
  };
  if (spec.idTokens?.length === 0) return { resources: [], total: 0 };
  return run(ctx, deps, spec, query, 'search');
}

export function everythingOf(ctx: RequestContext, deps: Deps, patient: string, options: EverythingOptions): SearchResult {
  const allowed = (t: string): boolean => scopeAllows(ctx.actor.scopes, t, 's') || scopeAllows(ctx.actor.scopes, t, 'r');
  if (options.types !== undefined && options.types.length > 0 && !options.types.some(allowed)) {
    throw new CareLedgerError('FORBIDDEN', 'SMART scope allows none of the requested types', { field: 'scope' });
  }
  const typesInCompartment = deps.db
    .prepare<[string], { t: string }>('SELECT DISTINCT resource_type AS t FROM fhir_resources WHERE owner = ?')
    .all(patient)
    .map((r) => r.t);
  const types = (options.types ?? typesInCompartment).filter((t) => typesInCompartment.includes(t) && allowed(t));
  if (types.length === 0 && !ctx.actor.scopes.some((s) => s.permissions.s || s.permissions.r)) {
    throw new CareLedgerError('FORBIDDEN', 'SMART scope allows no reads', { field: 'scope' });
  }
  if (types.length === 0) return { resources: [], total: 0 };
  const spec: Spec = {
    types,
    owner: patient,
    onlyPatient: undefined,
    idTokens: undefined,
    lastUpdated: options.since === undefined ? [] : [{ from: options.since }],
    tokenGroups: [],
    dates: options.start === undefined && options.end === undefined ? [] : [dateRange(options.start, options.end)],
    undatedPass: true,
  };
  return run(ctx, deps, spec, options, 'everything');
}

/** $everything's start/end are FHIR dates: start covers from its first instant, end to its last. */
function dateRange(start: string | undefined, end: string | undefined): DateRange {
  const bound = (text: string, i: 0 | 1): string => {
    const b = dateBounds(text);
    if (b === undefined) throw new CareLedgerError('MALFORMED', 'start and end must be FHIR dates', { field: i === 0 ? 'start' : 'end' });
    return new Date(b[i]).toISOString();
  };
  const r: DateRange = {};
  if (start !== undefined) r.from = bound(start, 0);
  if (end !== undefined) r.to = bound(end, 1);
  return r;
}
