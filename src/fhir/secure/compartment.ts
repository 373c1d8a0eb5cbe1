// What the repository needs to know about a resource without keeping its
// content: which patient's compartment it is in, its searchable token values
// (code, identifier), its clinical date range and its security labels.
// After the FHIR R4 Patient compartment (compartmentdefinition-patient): a
// resource belongs to patient P if it is Patient/P or its subject, patient,
// beneficiary or individual references Patient/P.
import type { FhirResource, TokenParam } from '../types.js';
import { PATIENT_COMPARTMENT_TYPES } from './patient-compartment.js';
import { searchValuesOf } from '../search-values.js';

/**
 * Compartment types that may exist without a patient (a group of
 * practitioners, a provider's schedule, a system audit event, an account of
 * an organisation); every other type of the R4 Patient compartment must name
 * its patient, so clinical data is never stored as a shared resource by mistake.
 */
const MAY_STAND_ALONE: ReadonlySet<string> = new Set(['Group', 'Person', 'Schedule', 'Appointment', 'AppointmentResponse', 'AuditEvent', 'Account']);

/** Must a resource of this type reference its patient? */
export function requiresPatient(resourceType: string): boolean {
  return PATIENT_COMPARTMENT_TYPES.has(resourceType) && !MAY_STAND_ALONE.has(resourceType);
}

const PATIENT_FIELDS = ['subject', 'patient', 'beneficiary', 'individual'] as const;
const PATIENT_REF = /(?:^|\/)Patient\/([A-Za-z0-9.-]{1,64})$/;
/** Bound on the reference walk (a resource is at most a few MB; this keeps a hostile one cheap). */
const MAX_WALK = 100_000;

export type Owner = { kind: 'patient'; pseudonym: string } | { kind: 'none' } | { kind: 'invalid'; reason: string };

/**
 * The compartment a resource belongs to: Patient/P itself; else the patient
 * its subject, patient, beneficiary or individual references (Provenance:
 * target); else the one patient any reference inside it names (a Device
 * implanted in a patient, a Claim's item); else none, for types outside the
 * Patient compartment (administrative resources). A resource naming two
 * patients is refused: its custodian consent would be ambiguous.
 */
export function ownerOf(resource: FhirResource): Owner {
  if (resource.resourceType === 'Patient') {
    return typeof resource.id === 'string' ? { kind: 'patient', pseudonym: resource.id } : { kind: 'invalid', reason: 'Patient needs an id' };
  }
  const found = new Set<string>();
  const fields: unknown[] = PATIENT_FIELDS.map((f) => resource[f]);
  if (resource.resourceType === 'Provenance') fields.push(...asArray(resource['target']));
  for (const value of fields) {
    const m = PATIENT_REF.exec(referenceOf(value) ?? '');
    if (m?.[1] !== undefined) found.add(m[1]);
  }
  if (found.size === 0) patientReferencesIn(resource, found);
  if (found.size > 1) return { kind: 'invalid', reason: 'resource references more than one patient' };
  const [only] = found;
  if (only !== undefined) return { kind: 'patient', pseudonym: only };
  if (!requiresPatient(resource.resourceType)) return { kind: 'none' };
  return { kind: 'invalid', reason: `${resource.resourceType} must reference its patient (subject or patient: Patient/<pseudonym>)` };
}

/** Every Patient/<id> named by a `reference` anywhere in `root` (bounded walk). */
function patientReferencesIn(root: unknown, found: Set<string>): void {
  const stack: unknown[] = [root];
  let seen = 0;
  while (stack.length > 0 && seen++ < MAX_WALK) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...(node as unknown[]));
    else if (typeof node === 'object' && node !== null) {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'reference' && typeof v === 'string') {
          const m = PATIENT_REF.exec(v);
          if (m?.[1] !== undefined) found.add(m[1]);
        } else if (typeof v === 'object' && v !== null) stack.push(v);
      }
    }
  }
}

function referenceOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const ref = (value as { reference?: unknown }).reference;
  return typeof ref === 'string' ? ref : undefined;
}

/** meta.security codes (what consent provisions match against). */
export function securityLabelsOf(resource: FhirResource): string[] {
  const out = new Set<string>();
  for (const s of resource.meta?.security ?? []) if (typeof s.code === 'string') out.add(s.code);
  return [...out].sort();
}

interface Coding {
  system?: unknown;
  code?: unknown;
  value?: unknown;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function codingsOf(concept: unknown): Coding[] {
  if (typeof concept !== 'object' || concept === null) return [];
  return asArray((concept as { coding?: unknown }).coding).filter((c): c is Coding => typeof c === 'object' && c !== null);
}

/** Token values of the `code`, `identifier` and search-values.ts parameters, as [param, system|undefined, code]. */
export function tokenValuesOf(resource: FhirResource): Array<[string, string | undefined, string]> {
  const out: Array<[string, string | undefined, string]> = [];
  for (const field of ['code', 'medicationCodeableConcept', 'vaccineCode']) {
    for (const concept of asArray(resource[field])) {
      for (const c of codingsOf(concept)) {
        if (typeof c.code === 'string') out.push(['code', typeof c.system === 'string' ? c.system : undefined, c.code]);
      }
    }
  }
  for (const id of asArray(resource['identifier'])) {
    if (typeof id !== 'object' || id === null) continue;
    const { system, value } = id as Coding;
    if (typeof value === 'string') out.push(['identifier', typeof system === 'string' ? system : undefined, value]);
  }
  out.push(...searchValuesOf(resource));
  return out;
}

/** Query-side token: a system-less query matches any system; '|code' means "no system". */
export function queryTokenParts(param: string, t: TokenParam): string[] {
  return t.system === undefined ? [param, '*', t.code] : [param, 's', t.system, t.code];
}

/** Index-side tokens of one value: the any-system form, and the exact-system (or no-system) form. */
export function indexTokenParts(param: string, system: string | undefined, code: string): string[][] {
  return [[param, '*', code], [param, 's', system ?? '', code]];
}

const DATE_FIELDS = [
  'effectiveDateTime', 'effectiveInstant', 'effectivePeriod', 'occurrenceDateTime', 'occurrencePeriod',
  'performedDateTime', 'performedPeriod', 'onsetDateTime', 'period', 'authoredOn', 'recordedDate',
  'date', 'dateTime', 'issued',
] as const;

const DAY_MS = 86_400_000;
/** Open ends of a period. */
export const OPEN_LO = Number.MIN_SAFE_INTEGER;
export const OPEN_HI = Number.MAX_SAFE_INTEGER;
const PARTIAL = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(T[0-9:.]+(?:Z|[+-]\d{2}:\d{2}))?)?)?$/;

/** [first ms, last ms] covered by a FHIR date/dateTime/instant at its precision. */
export function dateBounds(text: string): [number, number] | undefined {
  const m = PARTIAL.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, time] = m;
  if (time !== undefined) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : [ms, ms];
  }
  const year = Number(y);
  if (mo === undefined) return [Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1) - 1];
  const month = Number(mo) - 1;
  if (d === undefined) return [Date.UTC(year, month, 1), Date.UTC(year, month + 1, 1) - 1];
  const start = Date.UTC(year, month, Number(d));
  return Number.isNaN(start) ? undefined : [start, start + DAY_MS - 1];
}

/** Clinical date range of a resource in ms, from the first date field it has (a Patient: its birthDate). */
export function clinicalRange(resource: FhirResource): [number, number] | undefined {
  for (const field of resource.resourceType === 'Patient' ? ['birthDate'] : DATE_FIELDS) {
    const v = resource[field];
    if (typeof v === 'string') return dateBounds(v);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const { start, end } = v as { start?: unknown; end?: unknown };
      const lo = typeof start === 'string' ? dateBounds(start)?.[0] : OPEN_LO;
      const hi = typeof end === 'string' ? dateBounds(end)?.[1] : OPEN_HI;
      if (lo === undefined || hi === undefined) return undefined;
      return [lo, hi];
    }
  }
  return undefined;
}

/** UTC day number of an instant in ms (open ends stay open). */
export function dayOf(ms: number): number {
  if (ms === OPEN_LO || ms === OPEN_HI) return ms;
  return Math.floor(ms / DAY_MS);
}
